// The higher-level predict API: raw records in, one prediction per record out.
import { z } from 'zod';
import { ERROR_CODES } from './errors';
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

/**
 * What the preprocessor is asked on subjects.predictVersions(model): several versions' records in one message, so a
 * rollout that splits a model's traffic does not split its calls too. Each version is answered on its own.
 */
export const predictVersionsSchema = z.object({
  versions: z
    .array(z.object({ version: z.string().min(1), request: predictRecordsSchema }))
    .min(1, 'at least one version is needed'),
});
export type PredictVersions = z.infer<typeof predictVersionsSchema>;

/** One answer per version asked, in order: its predictions, or the error that version alone met. */
export const predictVersionsReplySchema = z.object({
  versions: z.array(
    z.union([
      predictRecordsReplySchema,
      z.object({ error: z.object({ code: z.enum(ERROR_CODES), message: z.string() }) }),
    ]),
  ),
});
export type PredictVersionsReply = z.infer<typeof predictVersionsReplySchema>;
