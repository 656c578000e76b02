// A model version's feature toggles (`enabledBy` in its feature spec), evaluated once per context run of a predict
// call from an in-process copy of the model flag set; shared by the preprocessor and the edge agent. Toggles fail
// open: a missing set or flag, an evaluation error or a result naming no variant leaves the feature on, so a typo or
// a broken set never silently strips a feature from a deployed model; only a flag that answers `false` turns one off.
import { RequestContext } from '@aviary/contracts';
import type { EvaluationContext } from '@openfeature/core';
import { StoredFlagSetLookup } from './flag-set-store';

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

/** The records of one evaluation context and the toggles that are off for them (@aviary/features ToggleRun). */
export interface ToggleRunState {
  records: number;
  disabled: ReadonlySet<string>;
}

/** Which toggles are off for each context run of a request; without contexts, all records share the empty one. */
export function toggleRuns(request: {
  lookup: StoredFlagSetLookup;
  toggles: readonly string[];
  records: number;
  contexts?: readonly { context: RequestContext; records: number }[];
  /** Sees every evaluation, e.g. for metrics and to report toggles failing open. */
  observe?: (evaluation: ToggleEvaluation) => void;
}): ToggleRunState[] {
  const contexts = request.contexts ?? [{ context: {}, records: request.records }];
  return contexts.map(({ context, records }) => {
    const disabled = new Set<string>();
    for (const evaluation of evaluateToggles(request.lookup, request.toggles, context)) {
      request.observe?.(evaluation);
      if (!evaluation.enabled) disabled.add(evaluation.flag);
    }
    return { records, disabled };
  });
}
