// Flag evaluation counts per flag set, flag and variant: how an experiment's arms or a rollout's weights actually
// split traffic, whichever door (OFREP, a model's flags) evaluated them.
import { OfrepEvaluation } from '@aviary/flags-engine';
import { counter, counterSeries } from '@aviary/telemetry';

const flagEvaluations = counter(
  'aviary_flag_evaluations_total',
  'Flag evaluations by flag set, flag, variant and reason (variant "" when none was picked)',
  ['flag_set', 'flag', 'variant', 'reason'],
);

/** Each series by its label values, found once (a flag evaluation per request must not hash a labels object). */
const children = new Map<string, { inc(): void }>();

export function countFlagEvaluation(flagSet: string, flag: string, variant = '', reason: string): void {
  const key = `${flagSet}\u0000${flag}\u0000${variant}\u0000${reason}`;
  let child = children.get(key);
  if (!child) children.set(key, (child = counterSeries(flagEvaluations, { flag_set: flagSet, flag, variant, reason })));
  child.inc();
}

/** A flag's OFREP answer from an existing set; a flag the set lacks is not counted, its key being the caller's. */
export function countOfrepAnswer(flagSet: string, answer: OfrepEvaluation): void {
  if ('errorCode' in answer) {
    if (answer.errorCode !== 'FLAG_NOT_FOUND') countFlagEvaluation(flagSet, answer.key, '', 'ERROR');
  } else countFlagEvaluation(flagSet, answer.key, answer.variant, answer.reason);
}
