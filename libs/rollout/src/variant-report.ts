// The arms of an A/B test side by side: each gateway replica's per-variant series (prom-client's shape, as
// subjects.variantMetrics answers them) summed over replicas, then read as requests, errors, latency quantiles
// and the prediction distribution of each variant.
import { LatencyQuantiles, latencyQuantilesMs } from '@aviary/telemetry/core';

/** One metric as prom-client's `get()` returns it: histograms carry _bucket (with `le`), _sum and _count values. */
export interface MetricSnapshot {
  name: string;
  values: { labels: Record<string, string | number>; value: number; metricName?: string }[];
}

export interface VariantRow {
  variant: string;
  versions: string[];
  requests: number;
  clientErrors: number;
  serverErrors: number;
  /** Milliseconds, interpolated within the histogram's buckets as PromQL's histogram_quantile does. */
  latencyMs: LatencyQuantiles | null;
  /** Predicted label → share of the variant's predictions. */
  labels: Record<string, number>;
  predictions: number;
  /** Mean probability of the predicted label (binary: of the positive class), when the model is a classifier. */
  meanProbability: number | null;
}

export function variantReport(replicas: readonly MetricSnapshot[][]): VariantRow[] {
  const rows = new Map<string, Accumulator>();
  const row = (variant: string) => rows.get(variant) ?? rows.set(variant, newAccumulator()).get(variant)!;
  for (const metrics of replicas)
    for (const metric of metrics)
      for (const { labels, value, metricName = metric.name } of metric.values) {
        const variant = String(labels.variant);
        const acc = row(variant);
        switch (metricName) {
          case 'aviary_variant_requests_total':
            acc.versions.add(String(labels.version));
            acc.requests += value;
            if (labels.outcome === 'client_error') acc.clientErrors += value;
            if (labels.outcome === 'server_error') acc.serverErrors += value;
            break;
          case 'aviary_variant_request_duration_seconds_bucket':
            add(acc.latencyBuckets, Number(labels.le), value);
            break;
          case 'aviary_variant_predictions_total':
            add(acc.labels, String(labels.label), value);
            acc.predictions += value;
            break;
          case 'aviary_variant_prediction_probability_sum':
            acc.probabilitySum += value;
            break;
          case 'aviary_variant_prediction_probability_count':
            acc.probabilityCount += value;
            break;
        }
      }
  return [...rows.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([variant, acc]) => ({
      variant,
      versions: [...acc.versions].sort(),
      requests: acc.requests,
      clientErrors: acc.clientErrors,
      serverErrors: acc.serverErrors,
      latencyMs: latencyQuantilesMs(acc.latencyBuckets),
      labels: Object.fromEntries([...acc.labels].map(([label, n]) => [label, n / acc.predictions])),
      predictions: acc.predictions,
      meanProbability: acc.probabilityCount ? acc.probabilitySum / acc.probabilityCount : null,
    }));
}

/** A table for the terminal: one line per variant. */
export function formatVariantReport(model: string, rows: readonly VariantRow[]): string {
  if (rows.length === 0) return `no flag-routed requests for ${model} yet (is a version flag model.${model} set?)`;
  const header = ['variant', 'version', 'requests', 'errors', 'p50 ms', 'p95 ms', 'p99 ms', 'mean p', 'labels'];
  const lines = rows.map((r) => [
    r.variant,
    r.versions.join(','),
    String(r.requests),
    `${r.serverErrors} (${percent(r.serverErrors, r.requests)}) + ${r.clientErrors} client`,
    ...(r.latencyMs ? [r.latencyMs.p50, r.latencyMs.p95, r.latencyMs.p99].map((ms) => ms.toFixed(2)) : ['-', '-', '-']),
    r.meanProbability === null ? '-' : r.meanProbability.toFixed(3),
    Object.entries(r.labels)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([label, share]) => `${label} ${(100 * share).toFixed(1)}%`)
      .join(', ') || '-',
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i].length)));
  return [header, ...lines]
    .map((cells) =>
      cells
        .map((c, i) => c.padEnd(widths[i]))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

interface Accumulator {
  versions: Set<string>;
  requests: number;
  clientErrors: number;
  serverErrors: number;
  latencyBuckets: Map<number, number>;
  labels: Map<string, number>;
  predictions: number;
  probabilitySum: number;
  probabilityCount: number;
}

const newAccumulator = (): Accumulator => ({
  versions: new Set(),
  requests: 0,
  clientErrors: 0,
  serverErrors: 0,
  latencyBuckets: new Map(),
  labels: new Map(),
  predictions: 0,
  probabilitySum: 0,
  probabilityCount: 0,
});

function add<K>(map: Map<K, number>, key: K, value: number): void {
  map.set(key, (map.get(key) ?? 0) + value);
}

const percent = (part: number, whole: number) => (whole ? `${((100 * part) / whole).toFixed(1)}%` : '0%');
