// What a batch-worker does with one work item. A chunk: score it, write its output and errors under names keyed by
// (job, chunk), record its counts in KV, and queue the assembly when it was the last. The assembly checks that every
// chunk is recorded and marks the job completed (compare-and-set, so it happens once); the output is its chunk
// objects read in chunk order (jobResult), never copied into one more object.
import { BatchJob, BatchWorkItem, ChunkPlan, versionKey } from '@aviary/contracts';
import type { FeatureSpec } from '@aviary/features';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { BatchStore, objectNames } from './batch-store';
import { readChunk } from './input-plan';
import { BatchScorer, ChunkOutput, scoreChunk } from './scoring';
import { outputWriter } from './writers';

export interface LoadedVersion {
  spec: FeatureSpec;
  scorer: BatchScorer;
  release(): Promise<void>;
}

export interface ExecutorOptions {
  store: BatchStore;
  /** Loads a version's session and pipeline (once per version per worker). */
  loadVersion(model: string, version: string): Promise<LoadedVersion>;
  /**
   * This worker's own folder for input copies (readers need positioned reads, the store streams whole objects);
   * replicas on one host must not share it, or one's download truncates the file another is reading.
   */
  workDir: string;
  worker: string;
}

/** Inputs kept on local disk at once; older jobs' copies are removed. */
const CACHED_INPUTS = 2;

export class BatchExecutor {
  private readonly versions = new Map<string, Promise<LoadedVersion>>();
  private readonly inputs = new Map<string, Promise<string>>();

  constructor(private readonly options: ExecutorOptions) {}

  async handle(item: BatchWorkItem): Promise<void> {
    const found = await this.options.store.findJob(item.job);
    // A job no longer running (cancelled, failed, completed by an earlier delivery) has nothing left to do.
    if (!found || found.job.state !== 'running') {
      await this.forgetInput(item.job);
      return;
    }
    if (item.kind === 'chunk') await this.runChunk(found.job, item.chunk);
    else await this.assemble(found.job, found.revision);
  }

  /** Marks a job failed (an item that keeps failing, e.g. a model that cannot load). */
  async fail(id: string, reason: string): Promise<void> {
    const { store } = this.options;
    for (;;) {
      const found = await store.findJob(id);
      if (!found || found.job.state !== 'running') return;
      const failed: BatchJob = { ...found.job, state: 'failed', finishedAt: new Date().toISOString(), reason };
      if (await store.updateJob(failed, found.revision)) {
        await store.dropQueuedChunks(id);
        await store.publishEvent('failed', failed);
        return;
      }
    }
  }

  async close(): Promise<void> {
    for (const id of [...this.inputs.keys()]) await this.forgetInput(id);
    for (const loaded of this.versions.values()) await (await loaded.catch(() => undefined))?.release();
  }

  private async runChunk(job: BatchJob, chunk: ChunkPlan): Promise<void> {
    const { store, worker } = this.options;
    // Redelivered after its result was recorded (the worker died before acking): only the assembly check remains.
    if (!(await store.hasChunkResult(job.id, chunk.index))) {
      const { spec, scorer } = await this.version(job);
      const path = await this.inputFile(job);
      const columns = new Set(job.input.columns);
      const needed = [...new Set([...spec.inputs.map((i) => i.name), ...job.output.keep])].filter((c) =>
        columns.has(c),
      );
      const rows = readChunk(
        { path, format: job.input.format, columns: job.input.columns, needed, inputs: spec.inputs },
        chunk,
      );
      const writer = outputWriter(job.output.format, job.output.keep, spec.prediction);
      // Same names on every delivery: a redelivered chunk overwrites its output, never adds a second one.
      const output = store.compressedWriter(objectNames.chunkOutput(job.id, chunk.index));
      let result: ChunkOutput;
      try {
        result = await scoreChunk(rows, scorer, writer, output.write);
        // The plan counted these rows: any other count means the local copy is not the input; nothing is recorded.
        const read = result.rowsScored + result.rowsFailed;
        if (read !== chunk.rows)
          throw new Error(`chunk ${chunk.index} of job ${job.id} read ${read} rows, its plan has ${chunk.rows}`);
      } catch (e) {
        await output.abort(e as Error);
        throw e;
      }
      await output.end();
      await store.putCompressed(objectNames.chunkErrors(job.id, chunk.index), result.errors);
      await store.putChunkResult(job.id, {
        index: chunk.index,
        rowsScored: result.rowsScored,
        rowsFailed: result.rowsFailed,
        worker,
        finishedAt: new Date().toISOString(),
      });
    }
    if ((await store.chunkResults(job.id)).length === job.chunks)
      await store.enqueue({ kind: 'assemble', job: job.id });
  }

  private async assemble(job: BatchJob, revision: number): Promise<void> {
    const { store } = this.options;
    const results = await store.chunkResults(job.id);
    if (results.length !== job.chunks)
      throw new Error(`job ${job.id}: assembly queued with ${results.length} of ${job.chunks} chunks done`);
    const { spec } = await this.version(job);
    const completed: BatchJob = {
      ...job,
      state: 'completed',
      finishedAt: new Date().toISOString(),
      rowsScored: results.reduce((n, r) => n + r.rowsScored, 0),
      rowsFailed: results.reduce((n, r) => n + r.rowsFailed, 0),
      outputHeader: outputWriter(job.output.format, job.output.keep, spec.prediction).header,
    };
    // Lost the race to another delivery of the same assembly (or to a cancel): that one's state stands.
    if (!(await store.updateJob(completed, revision))) return;
    await store.publishEvent('completed', completed);
    await this.forgetInput(job.id);
  }

  private version(job: BatchJob): Promise<LoadedVersion> {
    const key = versionKey(job.model, job.version);
    let loaded = this.versions.get(key);
    if (!loaded) {
      loaded = this.options.loadVersion(job.model, job.version);
      // A failed load is retried by the next item, not cached.
      loaded.catch(() => this.versions.delete(key));
      this.versions.set(key, loaded);
    }
    return loaded;
  }

  private inputFile(job: BatchJob): Promise<string> {
    let path = this.inputs.get(job.id);
    if (!path) {
      path = this.download(job);
      path.catch(() => this.inputs.delete(job.id));
      this.inputs.set(job.id, path);
      for (const old of [...this.inputs.keys()].slice(0, -CACHED_INPUTS)) void this.forgetInput(old);
    }
    return path;
  }

  private async download(job: BatchJob): Promise<string> {
    const dir = join(this.options.workDir, job.id);
    await mkdir(dir, { recursive: true });
    const path = join(dir, `input.${job.input.format}`);
    await this.options.store.downloadObject(job.input.object, path);
    return path;
  }

  private async forgetInput(id: string): Promise<void> {
    const path = this.inputs.get(id);
    this.inputs.delete(id);
    if (path) await path.catch(() => undefined);
    await rm(join(this.options.workDir, id), { recursive: true, force: true });
  }
}
