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

const SERVING: ModelRoute = { kind: 'serving' };

function resolutionOf(flag: string, result: ReturnType<FlagSet['resolve']>): FlagResolution {
  return {
    flag,
    reason: result.reason ?? 'UNKNOWN',
    ...(result.variant !== undefined && { variant: result.variant }),
    ...(result.errorCode && { errorCode: result.errorCode }),
  };
}
