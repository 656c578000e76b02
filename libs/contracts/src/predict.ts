// The higher-level predict API: raw records in, one prediction per record out.
import { z } from 'zod';

export const predictRequestSchema = z.object({
  instances: z.array(z.unknown()).min(1, 'instances must hold at least one record'),
});

export type PredictRequest = z.infer<typeof predictRequestSchema>;

export interface PredictResponse {
  model: string;
  version: string;
  traceId: string;
  predictions: unknown[];
}

/** What the preprocessor is asked on subjects.predict(model, version): records, possibly of several requests. */
export const predictRecordsSchema = z.object({ records: z.array(z.unknown()).min(1, 'at least one record is needed') });
export type PredictRecords = z.infer<typeof predictRecordsSchema>;

/** The preprocessor's answer: one prediction per record, in order. */
export const predictRecordsReplySchema = z.object({ predictions: z.array(z.unknown()) });
export type PredictRecordsReply = z.infer<typeof predictRecordsReplySchema>;
