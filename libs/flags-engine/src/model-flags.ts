// A model's flags read for one request: its kill switch (`model.<name>.enabled`) and its version flag (`model.<name>`,
// whose string variants name versions). Both are flagd flags, so fractional targeting on `targetingKey` keeps a user
// on the same version (sticky) for as long as the weights hold.
import { modelEnabledFlag, modelVersionFlag } from '@aviary/contracts';
import type { EvaluationContext } from '@openfeature/core';
import { FlagSet } from './flag-set';

export type ModelRoute =
  /** No version flag, or it picked no variant: the serving pointer decides. */
  | { kind: 'serving' }
  | { kind: 'version'; version: string; variant: string }
  /** The kill switch is off; `fallbackVersion` (the switch's flag metadata) serves instead when it names one. */
  | { kind: 'off'; flag: string; fallbackVersion?: string };

/** One flag resolution the route depended on, for evaluation counts. */
export interface FlagResolution {
  flag: string;
  variant?: string;
  reason: string;
  errorCode?: string;
}

/**
 * Where a request for `model` without a version goes. A flag that fails to evaluate (a type mismatch, a parse error)
 * does not fail the request: the kill switch then counts as on and the version flag as absent, as an OpenFeature
 * client falls back to its default.
 */
export function routeModel(
  set: FlagSet | undefined,
  model: string,
  context: Readonly<Record<string, unknown>>,
  observe?: (resolution: FlagResolution) => void,
): ModelRoute {
  if (!set) return SERVING;
  const evaluationContext = context as EvaluationContext; // JSON values, which evaluation contexts hold
  const killSwitch = modelEnabledFlag(model);
  if (set.has(killSwitch)) {
    const result = set.resolve(killSwitch, evaluationContext, 'boolean');
    observe?.(resolutionOf(killSwitch, result));
    if (!result.errorCode && result.variant !== undefined && result.value === false) {
      const fallback = result.flagMetadata?.fallbackVersion;
      return { kind: 'off', flag: killSwitch, ...(typeof fallback === 'string' && { fallbackVersion: fallback }) };
    }
  }
  const versionFlag = modelVersionFlag(model);
  if (!set.has(versionFlag)) return SERVING;
  const result = set.resolve(versionFlag, evaluationContext, 'string');
  observe?.(resolutionOf(versionFlag, result));
  if (result.errorCode || result.variant === undefined || typeof result.value !== 'string') return SERVING;
  return { kind: 'version', version: result.value, variant: result.variant };
}

export interface LayeredRouteRequest {
  /** The operators' model flag set (AVIARY_MODEL_FLAG_SET). */
  operator: FlagSet | undefined;
  /** The rollout controller's set (ROLLOUT_FLAG_SET). */
  rollout: FlagSet | undefined;
  model: string;
  context: Readonly<Record<string, unknown>>;
  /** A key for a request that has none, so the rollout's split applies to it too (at random, not sticky). */
  keyless: () => string;
  observe?: (resolution: FlagResolution, layer: 'operator' | 'rollout') => void;
}

/**
 * The layering of a request's version: the operators' kill switch or version flag, when it picks something, wins (a
 * pinned segment, an experiment); otherwise the rollout's version flag; otherwise the serving pointer.
 */
export function routeModelThroughLayers(request: LayeredRouteRequest): ModelRoute & { layer?: 'operator' | 'rollout' } {
  const { operator, rollout, model, context, keyless, observe } = request;
  const chosen = routeModel(operator, model, context, observe && ((r) => observe(r, 'operator')));
  if (chosen.kind !== 'serving') return { ...chosen, layer: 'operator' };
  if (!rollout?.has(modelVersionFlag(model))) return SERVING;
  const keyed = typeof context.targetingKey === 'string' ? context : { ...context, targetingKey: keyless() };
  const rolled = routeModel(rollout, model, keyed, observe && ((r) => observe(r, 'rollout')));
  return rolled.kind === 'serving' ? SERVING : { ...rolled, layer: 'rollout' };
}

const SERVING: ModelRoute = { kind: 'serving' };

function resolutionOf(flag: string, result: ReturnType<FlagSet['resolve']>): FlagResolution {
  return {
    flag,
    reason: result.reason ?? 'UNKNOWN',
    ...(result.variant !== undefined && { variant: result.variant }),
    ...(result.errorCode && { errorCode: result.errorCode }),
  };
}
