// batch-worker configuration, from the environment.
import { commonEnv, duration, loadConfig, port, positiveInt } from '@aviary/contracts';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';

const schema = z.object({
  ...commonEnv,
  AVIARY_HTTP_PORT: port(9105),
  /** Names this replica in chunk results. */
  AVIARY_REPLICA_ID: z.string().min(1).default(`${hostname()}-${process.pid}`),
  /** A chunk whose worker stays silent this long (it died) goes to another worker; a live one sends heartbeats. */
  AVIARY_BATCH_ACK_WAIT_MS: positiveInt(30_000),
  /** Deliveries of one item before its job is marked failed (e.g. a model that cannot load). */
  AVIARY_BATCH_MAX_ATTEMPTS: positiveInt(5),
  /** Where job inputs are copied for reading (a folder per replica inside it); removed when the job is done. */
  AVIARY_BATCH_WORK_DIR: z.string().min(1).default(join(tmpdir(), 'aviary-batch')),
  /** ONNX Runtime threads per worker; scale replicas rather than threads. */
  AVIARY_BATCH_ORT_THREADS: positiveInt(1),
  /** How long a finished job's output, errors, uploaded input and records are kept ("12h", "7d"), in ms. */
  AVIARY_BATCH_RETENTION: duration('7d'),
});

export type BatchWorkerConfig = z.infer<typeof schema>;
export const BATCH_WORKER_CONFIG = Symbol('BATCH_WORKER_CONFIG');
export const loadBatchWorkerConfig = () => loadConfig(schema);
