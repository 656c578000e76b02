// Per model version figures of one interval — requests, errors, latency quantiles — from a latency histogram with
// the services' own buckets, read as Prometheus and rollout analysis read them (latencyQuantilesMs).
import type { MetricSummary } from '@aviary/contracts';
import { LATENCY_BUCKETS, latencyQuantilesMs } from '@aviary/telemetry/core';

interface VersionFigures {
  model: string;
  version: string;
  requests: number;
  errors: number;
  /** Counts per LATENCY_BUCKETS bound (not cumulative), then one past the last bound. */
  buckets: number[];
}

export class VersionSummaries {
  private figures = new Map<string, VersionFigures>();

  constructor(
    private readonly site: string,
    private from: number,
  ) {}

  observe(model: string, version: string, latencyMs: number, failed: boolean): void {
    const key = `${model}\u0000${version}`;
    let figures = this.figures.get(key);
    if (!figures) {
      figures = { model, version, requests: 0, errors: 0, buckets: new Array(LATENCY_BUCKETS.length + 1).fill(0) };
      this.figures.set(key, figures);
    }
    figures.requests++;
    if (failed) figures.errors++;
    const seconds = latencyMs / 1000;
    const bucket = LATENCY_BUCKETS.findIndex((le) => seconds <= le);
    figures.buckets[bucket < 0 ? LATENCY_BUCKETS.length : bucket]++;
  }

  /** The summaries of every version seen since the last take, and a new interval from `now`. */
  take(now: number): MetricSummary[] {
    const [from, to] = [new Date(this.from).toISOString(), new Date(now).toISOString()];
    const summaries = [...this.figures.values()].map((f) => ({
      site: this.site,
      model: f.model,
      version: f.version,
      from,
      to,
      requests: f.requests,
      errors: f.errors,
      latencyMs: latencyQuantilesMs(cumulative(f.buckets)),
    }));
    this.figures = new Map();
    this.from = now;
    return summaries;
  }
}

function cumulative(buckets: number[]): Map<number, number> {
  const bounds = [...LATENCY_BUCKETS, Infinity];
  let total = 0;
  return new Map(bounds.map((le, i) => [le, (total += buckets[i])]));
}
