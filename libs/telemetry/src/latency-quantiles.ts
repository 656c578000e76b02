// Latency quantiles from a Prometheus-style histogram, interpolated within buckets as PromQL's histogram_quantile
// does: how A/B reports, rollout analysis and site summaries read the services' latency series alike.

/** Milliseconds. */
export interface LatencyQuantiles {
  p50: number;
  p95: number;
  p99: number;
}

/** p50/p95/p99 in ms of a latency histogram given as cumulative counts per upper bound in seconds. */
export function latencyQuantilesMs(cumulative: ReadonlyMap<number, number>): LatencyQuantiles | null {
  const buckets = [...cumulative].sort(([a], [b]) => a - b);
  const total = buckets.at(-1)?.[1] ?? 0;
  if (total === 0) return null;
  const at = (q: number) => 1000 * histogramQuantile(buckets, q * total);
  return { p50: at(0.5), p95: at(0.95), p99: at(0.99) };
}

/** The value below which `rank` observations fall; the +Inf bucket answers its lower bound, as PromQL does. */
export function histogramQuantile(buckets: [number, number][], rank: number): number {
  let lower = 0;
  let below = 0;
  for (const [le, count] of buckets) {
    if (count >= rank) {
      if (!Number.isFinite(le)) return lower;
      return count === below ? le : lower + ((le - lower) * (rank - below)) / (count - below);
    }
    lower = le;
    below = count;
  }
  return lower;
}
