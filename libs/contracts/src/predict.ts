// The higher-level predict API: raw records in, one prediction per record out.
import { z } from 'zod';

export const predictRequestSchema = z.object({
  instances: z.array(z.unknown()).min(1, 'instances must hold at least one record'),
  /** Evaluation context for flags (targetingKey etc.); used from the flags issue on. */
  context: z.record(z.string(), z.unknown()).optional(),
});

export type PredictRequest = z.infer<typeof predictRequestSchema>;

export interface PredictResponse {
  model: string;
  version: string;
  traceId: string;
  predictions: unknown[];
}

/** What the preprocessor is asked on subjects.preprocess(model, version). */
export interface PreprocessRequest {
  records: unknown[];
}
