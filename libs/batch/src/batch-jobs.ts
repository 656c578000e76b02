// The use cases every door shares (CLI, REST): submit a job after checking it whole, read its progress, cancel it.
import { AviaryError, BatchJob, InputFormat, invalid, notFound, OutputFormat } from '@aviary/contracts';
import { parseFeatureSpec } from '@aviary/features';
import { ModelRegistry, ServingPointers } from '@aviary/model-registry';
import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { basename } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { BatchStore, objectNames } from './batch-store';
import { checkColumns, formatOf, planInput } from './input-plan';
import { JobProgress, jobProgress } from './progress';

export interface SubmitJob {
  /** A local copy of the input: the file itself, or the stored object downloaded for checking. */
  path: string;
  /** The input's object in the store when it is there already; otherwise the file is uploaded once it passes. */
  object?: string;
  model: string;
  version?: string;
  format?: InputFormat;
  outputFormat: OutputFormat;
  keep: readonly string[];
  chunkRows?: number;
  schedule?: string;
}

export const newJobId = (now = new Date()) =>
  `${now.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15)}-${randomBytes(3).toString('hex')}`;

/**
 * Pins the version, reads the input once (format, columns, chunks) and checks it against the spec; only then uploads,
 * writes the job and queues its chunks. A rejected job writes nothing.
 */
export async function submitJob(store: BatchStore, registry: ModelRegistry, request: SubmitJob): Promise<BatchJob> {
  const version = request.version ?? (await servingVersion(registry, request.model));
  const manifest = await registry.get(request.model, version);
  if (manifest.featureSpec === undefined)
    throw new AviaryError(
      `${request.model} version ${version} has no feature spec; batch jobs score raw records through it`,
      'FAILED_PRECONDITION',
    );
  const spec = parseFeatureSpec(manifest.featureSpec);
  const format = request.format ?? formatOf(request.object ?? request.path);
  const plan = await planInput(request.path, format, request.chunkRows);
  checkColumns(plan.columns, spec.inputs, request.keep);

  const id = newJobId();
  const object = request.object ?? objectNames.upload(id, basename(request.path));
  if (!request.object) await store.uploadFile(object, request.path);
  const job: BatchJob = {
    id,
    model: request.model,
    version,
    state: 'running',
    input: { object, format, columns: plan.columns },
    output: { format: request.outputFormat, keep: [...request.keep] },
    totalRows: plan.totalRows,
    chunks: plan.chunks.length,
    submittedAt: new Date().toISOString(),
    ...(request.schedule ? { schedule: request.schedule } : {}),
  };
  await store.createJob(job);
  for (const chunk of plan.chunks) await store.enqueue({ kind: 'chunk', job: id, chunk });
  await store.publishEvent('submitted', job);
  return job;
}

async function servingVersion(registry: ModelRegistry, model: string): Promise<string> {
  const pointer = await (await ServingPointers.open(registry)).get(model);
  if (!pointer) throw notFound(`model "${model}" has no serving version; name one with --version`);
  return pointer.version;
}

export interface JobStatus {
  job: BatchJob;
  progress: JobProgress;
}

export async function jobStatus(store: BatchStore, id: string): Promise<JobStatus> {
  const { job } = await store.getJob(id);
  return { job, progress: jobProgress(job, await store.chunkResults(id)) };
}

/** Stops a running job: its queued chunks are dropped and it records the rows done so far. */
export async function cancelJob(store: BatchStore, id: string): Promise<BatchJob> {
  for (;;) {
    const { job, revision } = await store.getJob(id);
    if (job.state !== 'running')
      throw new AviaryError(
        `batch job ${id} is ${job.state}; only a running job can be cancelled`,
        'FAILED_PRECONDITION',
      );
    const progress = jobProgress(job, await store.chunkResults(id));
    const cancelled: BatchJob = {
      ...job,
      state: 'cancelled',
      finishedAt: new Date().toISOString(),
      rowsScored: progress.rowsScored,
      rowsFailed: progress.rowsFailed,
    };
    if (await store.updateJob(cancelled, revision)) {
      await store.dropQueuedChunks(id);
      await store.publishEvent('cancelled', cancelled);
      return cancelled;
    }
  }
}

/** A completed job's output (header, then every chunk's rows in input order) or errors file, as one stream. */
export async function jobResult(
  store: BatchStore,
  id: string,
  which: 'output' | 'errors',
): Promise<AsyncIterable<Uint8Array>> {
  const { job } = await store.getJob(id);
  if (job.state !== 'completed')
    throw new AviaryError(
      `batch job ${id} is ${job.state}; its ${which} exists once it completes`,
      'FAILED_PRECONDITION',
    );
  const name = which === 'output' ? objectNames.chunkOutput : objectNames.chunkErrors;
  const parts = Array.from({ length: job.chunks }, (_, index) => name(id, index));
  return store.concatenated(which === 'output' ? (job.outputHeader ?? '') : '', parts);
}

/** Writes a completed job's output or errors to a local file. */
export async function downloadResult(store: BatchStore, id: string, which: 'output' | 'errors', path: string) {
  await pipeline(Readable.from(await jobResult(store, id, which)), createWriteStream(path));
}

export const keepList = (value: string | undefined): string[] =>
  value
    ? value
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean)
    : [];

export const requireFormat = <T extends string>(value: string, allowed: readonly T[], what: string): T => {
  if (!(allowed as readonly string[]).includes(value))
    throw invalid(`${what} must be one of ${allowed.join(', ')}, got "${value}"`);
  return value as T;
};
