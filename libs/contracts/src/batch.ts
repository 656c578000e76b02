// Batch jobs as they cross NATS and HTTP: the job document in KV, the work items on AVIARY_BATCH, chunk results.
import { z } from 'zod';
import { modelNameSchema, modelVersionSchema } from './subjects';

export const INPUT_FORMATS = ['jsonl', 'csv', 'parquet'] as const;
export type InputFormat = (typeof INPUT_FORMATS)[number];
export const OUTPUT_FORMATS = ['jsonl', 'csv'] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];
export const JOB_STATES = ['running', 'completed', 'failed', 'cancelled'] as const;
export type JobState = (typeof JOB_STATES)[number];

/** Job ids are KV key and subject tokens: no dots. */
export const jobIdSchema = z
  .string()
  .regex(/^[A-Za-z0-9_-]{1,64}$/, 'job ids are 1-64 characters of A-Z, a-z, 0-9, "-", "_"');

/** Where one chunk's rows are in the input: a byte range of a text file, or a row range of one Parquet row group. */
export const chunkPlanSchema = z.strictObject({
  index: z.number().int().min(0),
  /** Row number (from 1) of the chunk's first row in the whole input. */
  firstRow: z.number().int().min(1),
  rows: z.number().int().min(0),
  bytes: z.tuple([z.number().int().min(0), z.number().int().min(0)]).optional(),
  rowGroup: z.number().int().min(0).optional(),
});
export type ChunkPlan = z.infer<typeof chunkPlanSchema>;

export const batchJobSchema = z.strictObject({
  id: jobIdSchema,
  model: modelNameSchema,
  /** Pinned when the job is submitted: every chunk runs this version, whatever serves later. */
  version: modelVersionSchema,
  state: z.enum(JOB_STATES),
  input: z.strictObject({ object: z.string().min(1), format: z.enum(INPUT_FORMATS), columns: z.array(z.string()) }),
  output: z.strictObject({ format: z.enum(OUTPUT_FORMATS), keep: z.array(z.string()) }),
  totalRows: z.number().int().min(0),
  chunks: z.number().int().min(1),
  submittedAt: z.iso.datetime(),
  finishedAt: z.iso.datetime().optional(),
  /** Counts once finished (completed or cancelled: how far it got). */
  rowsScored: z.number().int().min(0).optional(),
  rowsFailed: z.number().int().min(0).optional(),
  /** The output's first line (a CSV header; '' for JSON Lines), set when it completes. */
  outputHeader: z.string().optional(),
  reason: z.string().optional(),
  schedule: z.string().optional(),
  /** When a finished job's output, errors, own input and records are deleted; stamped by the leading scheduler. */
  expiresAt: z.iso.datetime().optional(),
});
export type BatchJob = z.infer<typeof batchJobSchema>;

export const batchWorkItemSchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('chunk'), job: jobIdSchema, chunk: chunkPlanSchema }),
  z.strictObject({ kind: z.literal('assemble'), job: jobIdSchema }),
]);
export type BatchWorkItem = z.infer<typeof batchWorkItemSchema>;

/** Written to KV once a chunk's output and errors are in the object store; a redelivered chunk rewrites the same key. */
export const chunkResultSchema = z.strictObject({
  index: z.number().int().min(0),
  rowsScored: z.number().int().min(0),
  rowsFailed: z.number().int().min(0),
  worker: z.string(),
  finishedAt: z.iso.datetime(),
});
export type ChunkResult = z.infer<typeof chunkResultSchema>;

/** POST /v1/batch/jobs with a JSON body: an input already in the aviary_batch object store. */
export const submitBatchJobSchema = z.strictObject({
  object: z.string().min(1),
  model: modelNameSchema,
  version: modelVersionSchema.optional(),
  format: z.enum(INPUT_FORMATS).optional(),
  outputFormat: z.enum(OUTPUT_FORMATS).default('jsonl'),
  keep: z.array(z.string().min(1)).default([]),
});
export type SubmitBatchJob = z.infer<typeof submitBatchJobSchema>;

/** A schedule in KV aviary_batch_schedules: the job it submits, and when it last did. */
export const batchScheduleSchema = z.strictObject({
  name: jobIdSchema,
  cron: z.string().min(1),
  /** The input, already in the aviary_batch object store. */
  object: z.string().min(1),
  model: modelNameSchema,
  /** Unset: each run pins the version serving at that moment. */
  version: modelVersionSchema.optional(),
  outputFormat: z.enum(OUTPUT_FORMATS),
  keep: z.array(z.string()),
  createdAt: z.iso.datetime(),
  /** The slot time of the last run (or the creation time): the next run is the first slot after it. */
  lastRunAt: z.iso.datetime(),
  lastJob: z.string().optional(),
  lastError: z.string().optional(),
});
export type BatchSchedule = z.infer<typeof batchScheduleSchema>;
