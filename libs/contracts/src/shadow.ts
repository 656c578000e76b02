// Shadow traffic: the settings that mirror a share of a model's requests to a candidate version, and each gateway
// replica's tally of how the candidate's predictions compared with stable's (answered on subjects.shadowMetrics).
import { z } from 'zod';
import { modelVersionSchema } from './subjects';

/** The object variant of a model's shadow flag (modelShadowFlag): which version shadows, for what share. */
export const shadowSettingsSchema = z.strictObject({
  version: modelVersionSchema,
  /** Share of the model's unversioned predict requests mirrored, 0 to 100. */
  percent: z.number().min(0).max(100),
});
export type ShadowSettings = z.infer<typeof shadowSettingsSchema>;

const count = z.number().int().min(0);

/** One replica's comparisons of one candidate against one stable version, since `since`. */
export const shadowPairSummarySchema = z.object({
  stable: modelVersionSchema,
  candidate: modelVersionSchema,
  /** When this replica first mirrored a request of the pair (ISO 8601). */
  since: z.string(),
  /** Requests mirrored, answered by the candidate, failed, and dropped because too many were in flight. */
  sent: count,
  answered: count,
  errors: count,
  dropped: count,
  /** Record pairs compared; of them, pairs with a label on both sides and those whose labels agree. */
  records: count,
  labelled: count,
  agreements: count,
  /** Pairs with a score on both sides (probability or regression value) and the sum of |stable - candidate|. */
  scored: count,
  absScoreDiffSum: z.number().min(0),
  /** `probability` for classifiers (tenths bins), `value` for regressors (ten log-spaced bins per decade). */
  scoreKind: z.enum(['probability', 'value']).nullable(),
  /** Score histograms of each side over the same records: bin key → records. */
  stableBins: z.record(z.string(), count),
  candidateBins: z.record(z.string(), count),
  /** Candidate latency: cumulative counts per upper bound in seconds, the last bound being +Inf (as null). */
  latencyBuckets: z.array(z.tuple([z.number().nullable(), count])),
});
export type ShadowPairSummary = z.infer<typeof shadowPairSummarySchema>;

export const shadowSummarySchema = z.object({ model: z.string(), pairs: z.array(shadowPairSummarySchema) });
export type ShadowSummary = z.infer<typeof shadowSummarySchema>;
