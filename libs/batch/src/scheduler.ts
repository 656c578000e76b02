// Batch schedules in KV aviary_batch_schedules, run by one scheduler at a time: every batch-worker replica ticks,
// and only the holder of the `batch-scheduler` lease (a LeaderLease in aviary_leases) submits jobs.
import { BatchSchedule, batchScheduleSchema, buckets, notFound, parseOrThrow } from '@aviary/contracts';
import { LeaderLease, openKv } from '@aviary/messaging';
import { ModelRegistry } from '@aviary/model-registry';
import { mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { KV } from 'nats';
import { submitJob } from './batch-jobs';
import { BatchStore } from './batch-store';
import { BatchRetention } from './retention';
import { dueSlot, parseCron } from './schedule';

const fromUtf8 = new TextDecoder();
const LEASE_KEY = 'batch-scheduler';
/** A leader that stops renewing (it died) loses the lease this long after its last renewal. */
export const SCHEDULER_LEASE_MS = 10_000;

export class BatchSchedules {
  private constructor(readonly kv: KV) {}

  static async open(store: BatchStore): Promise<BatchSchedules> {
    return new BatchSchedules(await openKv(store.connection.jetstream(), buckets.batchSchedules, { history: 1 }));
  }

  /** Checks the pattern and the model; the first run is the first slot after now. */
  async create(
    registry: ModelRegistry,
    schedule: Omit<BatchSchedule, 'createdAt' | 'lastRunAt' | 'lastJob' | 'lastError'>,
  ): Promise<BatchSchedule> {
    parseCron(schedule.cron);
    if (schedule.version) await registry.get(schedule.model, schedule.version);
    else if (!(await registry.list()).some((m) => m.name === schedule.model))
      throw notFound(`model "${schedule.model}" has no versions`);
    const now = new Date().toISOString();
    const stored = parseOrThrow(batchScheduleSchema, { ...schedule, createdAt: now, lastRunAt: now }, 'schedule');
    await this.kv.put(stored.name, JSON.stringify(stored));
    return stored;
  }

  async list(): Promise<{ schedule: BatchSchedule; revision: number }[]> {
    const names: string[] = [];
    for await (const key of await this.kv.keys()) names.push(key);
    const entries = await Promise.all(names.map((n) => this.kv.get(n)));
    return entries.flatMap((e) =>
      e && e.operation === 'PUT'
        ? [
            {
              schedule: parseOrThrow(batchScheduleSchema, JSON.parse(fromUtf8.decode(e.value)), `schedule ${e.key}`),
              revision: e.revision,
            },
          ]
        : [],
    );
  }

  async delete(name: string): Promise<void> {
    const entry = await this.kv.get(name);
    if (!entry || entry.operation !== 'PUT') throw notFound(`no batch schedule "${name}"`);
    await this.kv.delete(name);
  }

  /** Compare-and-set; false when another scheduler (or a delete) changed it first. */
  async update(schedule: BatchSchedule, revision: number): Promise<number | undefined> {
    try {
      return await this.kv.update(schedule.name, JSON.stringify(schedule), revision);
    } catch {
      return undefined;
    }
  }
}

export interface SchedulerOptions {
  store: BatchStore;
  registry: ModelRegistry;
  schedules: BatchSchedules;
  /** BatchScheduler.openLease: which replica leads the schedules. */
  lease: LeaderLease;
  workDir: string;
  /** Finished jobs' expiry, enforced by whichever scheduler leads. */
  retention: BatchRetention;
  onProblem(problem: string): void;
}

export class BatchScheduler {
  constructor(private readonly options: SchedulerOptions) {}

  /** This replica's claim on the scheduler role (holder: its name, written into the lease). */
  static async openLease(store: BatchStore, holder: string): Promise<LeaderLease> {
    // The bucket's TTL is a second line: a lease left by a replica that died is gone after it, whoever looks.
    const kv = await openKv(store.connection.jetstream(), buckets.leases, { history: 1, ttl: SCHEDULER_LEASE_MS });
    return new LeaderLease(kv, LEASE_KEY, { holder, leaseMs: SCHEDULER_LEASE_MS });
  }

  /** One pass: renew or take the lease, expire finished jobs past their retention, then submit due schedules. */
  async tick(now = new Date()): Promise<void> {
    if (!(await this.options.lease.beat())) return;
    await this.options.retention
      .sweepIfDue(now)
      .catch((e: Error) => this.options.onProblem(`expiring finished batch jobs failed: ${e.message}`));
    for (const { schedule, revision } of await this.options.schedules.list()) {
      if (!dueSlot(schedule.cron, new Date(schedule.lastRunAt), now)) continue;
      // The run is claimed before it is submitted: a scheduler that dies in between misses it rather than running
      // it twice, and every slot missed so far collapses into this one run.
      const claimed = { ...schedule, lastRunAt: now.toISOString() };
      const claimedRevision = await this.options.schedules.update(claimed, revision);
      if (claimedRevision === undefined) continue;
      const outcome = await this.run(claimed).then(
        (job) => ({ lastJob: job, lastError: undefined }),
        (e: Error) => ({ lastJob: claimed.lastJob, lastError: e.message }),
      );
      if (outcome.lastError) this.options.onProblem(`schedule ${schedule.name} failed to submit: ${outcome.lastError}`);
      await this.options.schedules.update({ ...claimed, ...outcome }, claimedRevision);
    }
  }

  /** Gives the lease up, so another replica takes over without waiting for it to go stale. */
  async release(): Promise<void> {
    await this.options.lease.release();
  }

  private async run(schedule: BatchSchedule): Promise<string> {
    const dir = await mkdtemp(join(this.options.workDir, 'schedule-'));
    try {
      const path = join(dir, 'input');
      await this.options.store.downloadObject(schedule.object, path);
      const job = await submitJob(this.options.store, this.options.registry, {
        path,
        object: schedule.object,
        model: schedule.model,
        version: schedule.version,
        outputFormat: schedule.outputFormat,
        keep: schedule.keep,
        schedule: schedule.name,
      });
      return job.id;
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }
}
