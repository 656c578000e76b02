// Retention of finished batch jobs: each gets an expiry (finishedAt + the retention) and is deleted once it passes.
// The leading scheduler sweeps (one replica, under the lease); nats-server 2.9 has no per-message TTL, and a bucket
// TTL would also expire running jobs' records, so every object and key is deleted explicitly.
import type { BatchJob } from '@aviary/contracts';
import { BatchStore } from './batch-store';

/** A finished job's expiry; undefined while it runs. */
export function expiryOf(job: BatchJob, retentionMs: number): string | undefined {
  if (job.state === 'running' || !job.finishedAt) return undefined;
  return new Date(Date.parse(job.finishedAt) + retentionMs).toISOString();
}

export interface SweepResult {
  /** Jobs that got their expiry in this sweep. */
  stamped: string[];
  deleted: string[];
}

/** Sweeps often enough for a short retention to be kept closely, never more than once a second or less than a minute. */
const sweepIntervalMs = (retentionMs: number) => Math.min(60_000, Math.max(1000, retentionMs / 10));

export class BatchRetention {
  private lastSweep = -Infinity;

  constructor(
    private readonly store: BatchStore,
    readonly retentionMs: number,
  ) {}

  /** `sweep` when the last one is long enough ago (the scheduler ticks every second; listing jobs is not free). */
  async sweepIfDue(now = new Date()): Promise<SweepResult | undefined> {
    if (now.getTime() - this.lastSweep < sweepIntervalMs(this.retentionMs)) return undefined;
    this.lastSweep = now.getTime();
    return this.sweep(now);
  }

  /** One pass over every job: stamp the newly finished, delete the expired. */
  async sweep(now = new Date()): Promise<SweepResult> {
    const result: SweepResult = { stamped: [], deleted: [] };
    for (const job of await this.store.listJobs()) {
      const expiresAt = job.expiresAt ?? expiryOf(job, this.retentionMs);
      if (!expiresAt) continue;
      if (Date.parse(expiresAt) <= now.getTime()) {
        await this.store.deleteJob(job);
        result.deleted.push(job.id);
      } else if (!job.expiresAt) {
        // Compare-and-set: a job changed meanwhile (its assembly, a cancel) is stamped by the next sweep.
        const found = await this.store.findJob(job.id);
        if (
          found &&
          found.job.state === job.state &&
          (await this.store.updateJob({ ...found.job, expiresAt }, found.revision))
        )
          result.stamped.push(job.id);
      }
    }
    return result;
  }
}
