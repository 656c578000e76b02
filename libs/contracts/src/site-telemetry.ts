// What a site's services publish on subjects.telemetry(site, kind): prediction logs (JSON Lines, one record per
// request) and per-version metric summaries. The CLI and the hub's readers validate them with these schemas.
import { z } from 'zod';

export const predictionLogRecordSchema = z.object({
  /** ISO 8601, when the request finished. */
  time: z.string(),
  model: z.string(),
  /** The version that answered; the one asked for (or "") when the request failed before one was picked. */
  version: z.string(),
  variant: z.string().optional(),
  status: z.enum(['ok', 'error']),
  /** The error's code (AviaryError) when status is "error". */
  code: z.string().optional(),
  latencyMs: z.number(),
  traceId: z.string(),
  /** Only with AVIARY_PREDICTION_LOG_PAYLOADS=true. */
  inputs: z.unknown().optional(),
  outputs: z.unknown().optional(),
});
export type PredictionLogRecord = z.infer<typeof predictionLogRecordSchema>;

export const metricSummarySchema = z.object({
  site: z.string(),
  model: z.string(),
  version: z.string(),
  /** ISO 8601 bounds of the interval the figures cover. */
  from: z.string(),
  to: z.string(),
  requests: z.number().int().min(0),
  errors: z.number().int().min(0),
  /** Interpolated within the latency histogram's buckets; null without requests. */
  latencyMs: z.object({ p50: z.number(), p95: z.number(), p99: z.number() }).nullable(),
});
export type MetricSummary = z.infer<typeof metricSummarySchema>;

/** A site name as it appears in subjects.telemetry: one NATS subject token. */
export const siteName = z.string().regex(/^[A-Za-z0-9_-]+$/, 'a NATS subject token: A-Z, a-z, 0-9, "-", "_"');

/** Prediction logs in one message: JSON Lines, one record a line. */
export const decodePredictionLog = (text: string): PredictionLogRecord[] =>
  text
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => predictionLogRecordSchema.parse(JSON.parse(line)));
