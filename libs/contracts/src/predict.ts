// The higher-level predict API: raw records in, one prediction per record out.
import { z } from 'zod';
import { evaluationContextSchema } from './flags';

export const predictRequestSchema = z.object({
  instances: z.array(z.unknown()).min(1, 'instances must hold at least one record'),
  /** The evaluation context of the request's flags (version flag, kill switch, feature toggles). */
  context: evaluationContextSchema.optional(),
});

export type PredictRequest = z.infer<typeof predictRequestSchema>;

export interface PredictResponse {
  model: string;
  version: string;
  /** The version flag's variant that picked `version`, when a flag did. */
  variant?: string;
  traceId: string;
  predictions: unknown[];
}

/** What the preprocessor is asked on subjects.predict(model, version): records, possibly of several requests. */
export const predictRecordsSchema = z
  .object({
    records: z.array(z.unknown()).min(1, 'at least one record is needed'),
    /**
     * The evaluation contexts of the requests the records came from, as runs in record order (`records` of them
     * share `context`): the preprocessor's feature toggles are evaluated per request. Absent: one empty context.
     */
    contexts: z.array(z.object({ context: evaluationContextSchema, records: z.number().int().positive() })).optional(),
  })
  .superRefine(({ records, contexts }, ctx) => {
    const covered = contexts?.reduce((sum, run) => sum + run.records, 0);
    if (covered !== undefined && covered !== records.length)
      ctx.addIssue({
        code: 'custom',
        path: ['contexts'],
        message: `must cover every record in order: they cover ${covered}, there are ${records.length}`,
      });
  });
export type PredictRecords = z.infer<typeof predictRecordsSchema>;

/** The preprocessor's answer: one prediction per record, in order. */
export const predictRecordsReplySchema = z.object({ predictions: z.array(z.unknown()) });
export type PredictRecordsReply = z.infer<typeof predictRecordsReplySchema>;
