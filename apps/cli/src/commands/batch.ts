// aviary batch: submit a job (optionally watching it to the end and downloading its output), and read, cancel or
// download jobs. Progress comes from KV, so any number of watchers see the same figures.
import { BatchJob, INPUT_FORMATS, InputFormat, invalid, OUTPUT_FORMATS, OutputFormat } from '@aviary/contracts';
import {
  BatchSchedules,
  BatchStore,
  cancelJob,
  formatDuration,
  jobStatus,
  JobStatus,
  keepList,
  progressLine,
  requireFormat,
  downloadResult,
  submitJob,
} from '@aviary/batch';
import { ModelRegistry } from '@aviary/model-registry';
import { NatsConnection } from 'nats';
import { basename } from 'node:path';
import { formatColumns } from './table';

export interface SubmitOptions {
  model: string;
  version?: string;
  out?: string;
  keep?: string;
  format: string;
  inputFormat?: string;
  chunkRows?: string;
  watch?: boolean;
}

const WATCH_INTERVAL_MS = 500;

export async function submitCommand(nc: NatsConnection, file: string, options: SubmitOptions): Promise<number> {
  const store = await BatchStore.open(nc);
  const job = await submitJob(store, await ModelRegistry.open(nc), {
    path: file,
    model: options.model,
    version: options.version,
    format: options.inputFormat
      ? requireFormat<InputFormat>(options.inputFormat, INPUT_FORMATS, '--input-format')
      : undefined,
    outputFormat: requireFormat<OutputFormat>(options.format, OUTPUT_FORMATS, '--format'),
    keep: keepList(options.keep),
    chunkRows: options.chunkRows ? Number(options.chunkRows) : undefined,
  });
  console.log(`job ${job.id}: ${job.totalRows} rows in ${job.chunks} chunks, ${job.model} version ${job.version}`);
  if (!options.watch) return 0;
  const final = await watchJob(store, job.id);
  if (final.job.state !== 'completed') return 1;
  if (options.out) await download(store, job.id, options.out);
  return 0;
}

/** Redraws one progress line (in place on a terminal) until the job ends; answers its last status. */
export async function watchJob(store: BatchStore, id: string): Promise<JobStatus> {
  const tty = process.stdout.isTTY;
  let last = '';
  for (;;) {
    const status = await jobStatus(store, id);
    const line = progressLine(status.progress);
    if (line !== last) {
      process.stdout.write(tty ? `\r${line}` : `${line}\n`);
      last = line;
    }
    if (status.job.state !== 'running') {
      if (tty) process.stdout.write('\n');
      console.log(summary(status.job, status));
      return status;
    }
    await new Promise((resolve) => setTimeout(resolve, WATCH_INTERVAL_MS));
  }
}

function summary(job: BatchJob, status: JobStatus): string {
  const took = formatDuration(status.progress.elapsedSeconds);
  switch (job.state) {
    case 'completed':
      return `job ${job.id} completed in ${took}: ${job.rowsScored} rows scored, ${job.rowsFailed} rows in the errors file`;
    case 'cancelled':
      return `job ${job.id} cancelled after ${(job.rowsScored ?? 0) + (job.rowsFailed ?? 0)} of ${job.totalRows} rows`;
    case 'failed':
      return `job ${job.id} failed: ${job.reason}`;
    case 'running':
      return `job ${job.id} running`;
  }
}

/** Output to `out`, errors beside it (`<out>.errors.jsonl`) unless named. */
export async function download(store: BatchStore, id: string, out: string, errors = `${out}.errors.jsonl`) {
  await downloadResult(store, id, 'output', out);
  await downloadResult(store, id, 'errors', errors);
  console.log(`output: ${out}\nerrors: ${errors}`);
}

export async function statusCommand(nc: NatsConnection, id: string): Promise<JobStatus> {
  return jobStatus(await BatchStore.open(nc), id);
}

export async function listCommand(nc: NatsConnection): Promise<BatchJob[]> {
  return (await BatchStore.open(nc)).listJobs();
}

export async function cancelCommand(nc: NatsConnection, id: string): Promise<string> {
  const job = await cancelJob(await BatchStore.open(nc), id);
  return `job ${job.id} cancelled after ${(job.rowsScored ?? 0) + (job.rowsFailed ?? 0)} of ${job.totalRows} rows`;
}

export async function downloadCommand(nc: NatsConnection, id: string, options: { out: string; errors?: string }) {
  await download(await BatchStore.open(nc), id, options.out, options.errors);
}

export function formatJobs(jobs: readonly BatchJob[]): string {
  const rows = jobs.map((j) => [
    j.id,
    j.state,
    `${j.model}@${j.version}`,
    String(j.totalRows),
    j.submittedAt,
    // Stamped by the scheduler shortly after a job finishes.
    j.expiresAt ?? '-',
  ]);
  const header = ['JOB', 'STATE', 'MODEL', 'ROWS', 'SUBMITTED', 'EXPIRES'];
  return formatColumns(header, rows);
}

export interface ScheduleOptions {
  cron: string;
  model: string;
  version?: string;
  object?: string;
  keep?: string;
  format: string;
}

/** Stores a schedule; a local file is uploaded once, under the schedule's name, and every run reads that object. */
export async function scheduleCreateCommand(
  nc: NatsConnection,
  name: string,
  file: string | undefined,
  options: ScheduleOptions,
): Promise<string> {
  const store = await BatchStore.open(nc);
  if (!file && !options.object) throw invalid('name the input: a FILE to upload, or --object already in the store');
  const object = options.object ?? `inputs/schedules/${name}/${basename(file as string)}`;
  const schedules = await BatchSchedules.open(store);
  const registry = await ModelRegistry.open(nc);
  const schedule = await schedules.create(registry, {
    name,
    cron: options.cron,
    object,
    model: options.model,
    version: options.version,
    outputFormat: requireFormat<OutputFormat>(options.format, OUTPUT_FORMATS, '--format'),
    keep: keepList(options.keep),
  });
  if (file) await store.uploadFile(object, file);
  return `schedule ${schedule.name}: "${schedule.cron}" (UTC) scores ${object} with ${schedule.model}`;
}

export async function scheduleListCommand(nc: NatsConnection) {
  return (await BatchSchedules.open(await BatchStore.open(nc))).list().then((all) => all.map((s) => s.schedule));
}

export async function scheduleDeleteCommand(nc: NatsConnection, name: string): Promise<string> {
  await (await BatchSchedules.open(await BatchStore.open(nc))).delete(name);
  return `schedule ${name} deleted`;
}
