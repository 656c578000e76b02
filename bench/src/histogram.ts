// Latency samples of one scenario and their percentiles (nearest-rank), kept exact rather than bucketed:
// the runs are bounded in count, so every sample fits in one growing Float64Array.

export interface LatencySummary {
  count: number;
  min: number;
  mean: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
}

/** Nearest-rank percentile of ascending `sorted`: the smallest sample with at least p % of samples at or below it. */
export function percentile(sorted: ArrayLike<number>, p: number): number {
  const n = sorted.length;
  if (n === 0) return NaN;
  if (!(p >= 0 && p <= 100)) throw new RangeError(`percentile must be within 0..100, got ${p}`);
  const rank = Math.ceil((p / 100) * n);
  return sorted[Math.max(0, rank - 1)];
}

export class LatencyRecorder {
  private samples: Float64Array;
  private size = 0;
  private dropped = 0;

  /** `capacity` bounds memory: samples past it are counted in `dropped` and left out of the percentiles. */
  constructor(private readonly capacity = 2_000_000) {
    this.samples = new Float64Array(Math.min(capacity, 4096));
  }

  record(milliseconds: number): void {
    if (this.size === this.samples.length) {
      if (this.size >= this.capacity) {
        this.dropped++;
        return;
      }
      const grown = new Float64Array(Math.min(this.capacity, this.size * 2));
      grown.set(this.samples);
      this.samples = grown;
    }
    this.samples[this.size++] = milliseconds;
  }

  get count(): number {
    return this.size;
  }

  get droppedCount(): number {
    return this.dropped;
  }

  summary(): LatencySummary {
    const sorted = this.samples.slice(0, this.size).sort();
    let sum = 0;
    for (let i = 0; i < sorted.length; i++) sum += sorted[i];
    return {
      count: sorted.length,
      min: sorted.length ? sorted[0] : NaN,
      mean: sorted.length ? sum / sorted.length : NaN,
      p50: percentile(sorted, 50),
      p90: percentile(sorted, 90),
      p99: percentile(sorted, 99),
      max: sorted.length ? sorted[sorted.length - 1] : NaN,
    };
  }
}
