// A version's feature toggles (`enabledBy` in its feature spec), evaluated once per context run of a predict call
// from the preprocessor's in-process copy of the model flag set. Toggles fail open: a missing set or flag, an
// evaluation error or a result naming no variant leaves the feature on, so a typo or a broken set never silently
// strips a feature from a deployed model; only a flag that answers `false` turns one off.
import { RequestContext } from '@aviary/contracts';
import { ToggleRun } from '@aviary/features';
import { FlagSetStore, StoredFlagSetLookup } from '@aviary/flags-engine';
import { NatsRpc } from '@aviary/messaging';
import { counter, createLogger } from '@aviary/telemetry';
import { Inject, Injectable } from '@nestjs/common';
import type { EvaluationContext } from '@openfeature/core';
import { PREPROCESSOR_CONFIG, PreprocessorConfig } from './config';

const log = createLogger('preprocessor');

const evaluations = counter(
  'aviary_feature_toggle_evaluations_total',
  'Feature toggle evaluations (one per toggle and context run), by result and the reason for it',
  ['model', 'version', 'flag', 'enabled', 'reason'],
);

export interface ToggleEvaluation {
  flag: string;
  enabled: boolean;
  /** flagd's reason (STATIC, TARGETING_MATCH...), its error code, or FLAG_SET_MISSING / FLAG_SET_INVALID. */
  reason: string;
  /** On only because the flag could not be evaluated. */
  failedOpen: boolean;
}

/** Each toggle's state for one evaluation context. */
export function evaluateToggles(
  lookup: StoredFlagSetLookup,
  toggles: readonly string[],
  context: RequestContext,
): ToggleEvaluation[] {
  if (!('set' in lookup)) {
    const reason = 'missing' in lookup ? 'FLAG_SET_MISSING' : 'FLAG_SET_INVALID';
    return toggles.map((flag) => ({ flag, enabled: true, reason, failedOpen: true }));
  }
  return toggles.map((flag) => {
    // The context is parsed JSON, and JSON values are evaluation context values.
    const result = lookup.set.resolve(flag, context as EvaluationContext, 'boolean');
    if (result.errorCode) return { flag, enabled: true, reason: result.errorCode, failedOpen: true };
    // No variant means "the caller's default" (a disabled flag, a null targeting result), and a toggle's is on.
    const enabled = result.variant === undefined || result.value !== false;
    return { flag, enabled, reason: result.reason ?? 'UNKNOWN', failedOpen: false };
  });
}

@Injectable()
export class FeatureToggles {
  private readonly store = new FlagSetStore(log);
  /** Flags already reported as failing open, so a missing flag is logged once, not on every request. */
  private readonly reported = new Set<string>();

  constructor(
    private readonly rpc: NatsRpc,
    @Inject(PREPROCESSOR_CONFIG) private readonly config: PreprocessorConfig,
  ) {}

  start(): Promise<void> {
    return this.store.follow(this.rpc.connection);
  }

  stop(): void {
    this.store.stop();
  }

  /** Which toggles are off for each context run of a request; without contexts, all records share the empty one. */
  runs(request: {
    model: string;
    version: string;
    toggles: readonly string[];
    records: number;
    contexts?: readonly { context: RequestContext; records: number }[];
  }): ToggleRun[] {
    const { model, version, toggles } = request;
    const flagSet = this.config.AVIARY_MODEL_FLAG_SET;
    const lookup = this.store.lookup(flagSet);
    const contexts = request.contexts ?? [{ context: {}, records: request.records }];
    return contexts.map(({ context, records }) => {
      const disabled = new Set<string>();
      for (const { flag, enabled, reason, failedOpen } of evaluateToggles(lookup, toggles, context)) {
        evaluations.inc({ model, version, flag, enabled: String(enabled), reason });
        if (!enabled) disabled.add(flag);
        if (failedOpen) this.reportFailOpen({ model, version, flag, flagSet, reason });
      }
      return { records, disabled };
    });
  }

  private reportFailOpen(fields: { model: string; version: string; flag: string; flagSet: string; reason: string }) {
    const key = `${fields.model}/${fields.version}/${fields.flag}/${fields.reason}`;
    if (this.reported.has(key)) return;
    this.reported.add(key);
    log.warn(fields, 'feature toggle could not be evaluated; the feature stays on');
  }
}
