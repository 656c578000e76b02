// NATS names: service subjects, queue groups, KV buckets and object stores, in one place.
import { z } from 'zod';

const PREFIX = 'aviary.v1';

export const subjects = {
  infer: (model: string, version: string) => `${PREFIX}.infer.${model}.${version}`,
  /** Served by inference replicas holding a version of the model: several versions' tensors in one message (version-parts). */
  inferVersions: (model: string) => `${PREFIX}.infer-versions.${model}`,
  /** Served by the preprocessor: raw records in, predictions out (it calls inference itself). */
  predict: (model: string, version: string) => `${PREFIX}.predict.${model}.${version}`,
  /** Served by the preprocessor: several versions' records of one model in one message (predictVersionsSchema). */
  predictVersions: (model: string) => `${PREFIX}.predict-versions.${model}`,
  /** Every inference replica answers (no queue group): which versions it holds and in what state. */
  inferenceStatus: `${PREFIX}.inference.status`,
  flagsEvaluate: `${PREFIX}.flags.evaluate`,
  /** Answered by any replica of a service (its queue group): used by readiness checks. */
  ping: (service: string) => `${PREFIX}.ping.${service}`,
  rolloutStatus: `${PREFIX}.rollout.status`,
  /** Every gateway replica answers (no queue group): its A/B series (per version-flag variant) of one model. */
  variantMetrics: (model: string) => `${PREFIX}.ab.${model}`,
  /**
   * Site telemetry (prediction logs, metric summaries) published at a leaf site: stored there in
   * streams.siteTelemetry and sourced into the hub's streams.telemetry, so it survives a link outage. `events`: the
   * edge agent's update decisions (a version switched to, refused, rolled back).
   */
  telemetry: (site: string, kind: 'predictions' | 'metrics' | 'events') => `${PREFIX}.telemetry.${site}.${kind}`,
  /** Everything one site publishes: what its AVIARY_SITE_TELEMETRY stream stores. */
  siteTelemetry: (site: string) => `${PREFIX}.telemetry.${site}.>`,
  /** Every gateway replica answers (no queue group): its shadow comparisons of one model (shadowSummarySchema). */
  shadowMetrics: (model: string) => `${PREFIX}.shadow.${model}`,

  /** Work-queue items of one batch job on AVIARY_BATCH: its chunks, then the one assembly of its output. */
  batchChunk: (job: string) => `${PREFIX}.batch.chunk.${job}`,
  batchAssemble: (job: string) => `${PREFIX}.batch.assemble.${job}`,
  batchWork: `${PREFIX}.batch.>`,
  /** Model and version from a concrete infer/predict subject (its last two tokens). */
  modelAndVersion: (subject: string): [string, string] => {
    const tokens = subject.split('.');
    return [tokens[tokens.length - 2], tokens[tokens.length - 1]];
  },
} as const;

export const queueGroups = {
  inference: 'inference',
  preprocessor: 'preprocessor',
  flags: 'flags',
  rolloutController: 'rollout-controller',
} as const;

/**
 * aviary_serving: one key per model naming the version that takes its unversioned traffic. aviary_rollouts: one key
 * per model (its rollout's document and status); the controllers' own keys start with `_`.
 */
/** aviary_batch_jobs: one key per batch job (its document) and one per finished chunk (`<job>.chunk.<n>`). */
export const buckets = {
  models: 'aviary_models',
  flags: 'aviary_flags',
  serving: 'aviary_serving',
  rollouts: 'aviary_rollouts',
  batchJobs: 'aviary_batch_jobs',
  batchSchedules: 'aviary_batch_schedules',
  /** Short-lived leases (KV TTL): the key's holder is the one leader of its role, e.g. the batch scheduler. */
  leases: 'aviary_leases',
} as const;
/** Model names start with a letter or digit, so this key never collides with a rollout's. */
export const ROLLOUT_LEASE_KEY = '_leader';
/** Beside it, the leader's webhook delivery cursors (WebhookCursors in @aviary/rollout). */
export const ROLLOUT_WEBHOOKS_KEY = '_webhooks';
export const objectStores = { models: 'aviary_models', batch: 'aviary_batch' } as const;
export const streams = {
  /** The audit and lifecycle log; every change of flags and rollouts, and every batch job's end, is one event. */
  events: 'AVIARY_EVENTS',
  /** The batch work queue: each job's chunks, then its assembly. */
  batch: 'AVIARY_BATCH',
  /** Hybrid: each leaf site's own telemetry stream, and the hub's, which sources every site's (deploy/nats). */
  siteTelemetry: 'AVIARY_SITE_TELEMETRY',
  telemetry: 'AVIARY_TELEMETRY',
} as const;
export const eventSubjects = {
  /** Everything the events stream holds. */
  all: `${PREFIX}.events.>`,
  /** One flag set's changes, in order. */
  flags: (flagSet: string) => `${PREFIX}.events.flags.${flagSet}`,
  /** Every flag set's changes. */
  allFlags: `${PREFIX}.events.flags.*`,
  /** One model's rollout transitions and measurements, in order. */
  rollouts: (model: string) => `${PREFIX}.events.rollouts.${model}`,
  allRollouts: `${PREFIX}.events.rollouts.*`,
  /** Batch jobs' lifecycle: submitted, completed, failed, cancelled (the job document as payload). */
  batch: (kind: string) => `${PREFIX}.events.batch.${kind}`,
  allBatch: `${PREFIX}.events.batch.*`,
} as const;
/** The one durable pull consumer every batch-worker replica shares, so each item goes to one of them. */
export const BATCH_CONSUMER = 'batch-worker';

/** Header that carries an error code on a NATS reply; the body then holds the message. */
export const ERROR_HEADER = 'Aviary-Error';
/** Header that asks a replica for something other than the subject's main operation (e.g. a readiness probe). */
export const OP_HEADER = 'Aviary-Op';

// Names become NATS subject tokens and KV keys: no dots, spaces or wildcards.
export const modelNameSchema = z
  .string()
  .regex(
    /^[a-z0-9][a-z0-9_-]{0,62}$/,
    'model names are 1-63 characters of a-z, 0-9, "-" and "_", starting with a letter or digit',
  );
export const modelVersionSchema = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9_-]{0,31}$/, 'versions are 1-32 characters of A-Z, a-z, 0-9, "-" and "_"');

/** A model version's one identity: the KV key of its manifest, and the key of every per-version map. */
export const versionKey = (model: string, version: string) => `${model}.${version}`;
export const modelObjectName = (model: string, version: string) => `${model}/${version}/model.onnx`;
