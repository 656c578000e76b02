// The built-in analysis metrics, read from the gateway replicas' per-variant series (subjects.variantMetrics) with no
// Prometheus: each replica's counters are cumulative since it started, so a measurement is the difference between
// the totals at the start of its interval and at its end, per version.
import { latencyQuantilesMs } from '@aviary/telemetry/core';
import { MetricSnapshot } from './variant-report';
import type { BuiltinMetricName, ShadowMetricName } from './rollout-document';

/**
 * One version's cumulative series summed over the replicas. Buckets are cumulative counts by upper bound, the bound
 * kept as prom-client's text ("+Inf") so the totals survive JSON in a rollout's status.
 */
export interface VersionTotals {
  ok: number;
  clientErrors: number;
  serverErrors: number;
  latencyBuckets: [string, number][];
  probabilityBuckets: [string, number][];
}

/** A measurement's value, or why there is none: no data is inconclusive, never a success or a failure. */
export type MetricValue = { value: number } | { inconclusive: string };

/** Totals of every version the replicas' series name. */
export function versionTotals(replicas: readonly MetricSnapshot[][]): Record<string, VersionTotals> {
  const totals = new Map<
    string,
    {
      ok: number;
      clientErrors: number;
      serverErrors: number;
      latency: Map<string, number>;
      probability: Map<string, number>;
    }
  >();
  const of = (version: string) => {
    let t = totals.get(version);
    if (!t)
      totals.set(
        version,
        (t = { ok: 0, clientErrors: 0, serverErrors: 0, latency: new Map(), probability: new Map() }),
      );
    return t;
  };
  for (const metrics of replicas)
    for (const metric of metrics)
      for (const { labels, value, metricName = metric.name } of metric.values) {
        if (labels.version === undefined) continue;
        const t = of(String(labels.version));
        switch (metricName) {
          case 'aviary_variant_requests_total':
            if (labels.outcome === 'ok') t.ok += value;
            else if (labels.outcome === 'client_error') t.clientErrors += value;
            else t.serverErrors += value;
            break;
          case 'aviary_variant_request_duration_seconds_bucket':
            add(t.latency, String(labels.le), value);
            break;
          case 'aviary_variant_prediction_probability_bucket':
            add(t.probability, String(labels.le), value);
            break;
        }
      }
  return Object.fromEntries(
    [...totals].map(([version, t]) => [
      version,
      {
        ok: t.ok,
        clientErrors: t.clientErrors,
        serverErrors: t.serverErrors,
        latencyBuckets: sorted(t.latency),
        probabilityBuckets: sorted(t.probability),
      },
    ]),
  );
}

const EMPTY: VersionTotals = { ok: 0, clientErrors: 0, serverErrors: 0, latencyBuckets: [], probabilityBuckets: [] };

/**
 * What happened between two readings. A count that went down means a gateway replica restarted (or left) and its
 * series began again: the interval cannot be read, so it answers undefined.
 */
export function totalsDelta(
  before: VersionTotals | undefined,
  after: VersionTotals | undefined,
): VersionTotals | undefined {
  const b = before ?? EMPTY;
  const a = after ?? EMPTY;
  const delta: VersionTotals = {
    ok: a.ok - b.ok,
    clientErrors: a.clientErrors - b.clientErrors,
    serverErrors: a.serverErrors - b.serverErrors,
    latencyBuckets: bucketDelta(b.latencyBuckets, a.latencyBuckets),
    probabilityBuckets: bucketDelta(b.probabilityBuckets, a.probabilityBuckets),
  };
  const counts = [
    delta.ok,
    delta.clientErrors,
    delta.serverErrors,
    ...delta.latencyBuckets.map(([, n]) => n),
    ...delta.probabilityBuckets.map(([, n]) => n),
  ];
  return counts.some((n) => n < 0) ? undefined : delta;
}

/** Empty bins of the PSI take this share instead of 0, so the logarithm stays finite. */
export const PSI_EPSILON = 1e-4;

/**
 * A built-in metric over one interval, from the candidate's and stable's deltas. Rates and quantiles of an interval
 * without a request (for psi: without a scored prediction on either side) are inconclusive, with the reason.
 */
export function builtinMetric(
  metric: Exclude<BuiltinMetricName, ShadowMetricName>,
  measured: { version: string; delta: VersionTotals | undefined },
  stable?: { version: string; delta: VersionTotals | undefined },
): MetricValue {
  const { version, delta } = measured;
  if (!delta) return { inconclusive: `the gateway series of version ${version} restarted during the interval` };
  const answered = delta.ok + delta.serverErrors;
  const noRequests = { inconclusive: `no requests reached version ${version} during the interval` };
  switch (metric) {
    case 'request-count':
      return { value: answered + delta.clientErrors };
    case 'success-rate':
      return answered ? { value: delta.ok / answered } : noRequests;
    case 'error-rate':
      return answered ? { value: delta.serverErrors / answered } : noRequests;
    case 'latency-p50':
    case 'latency-p95':
    case 'latency-p99': {
      const latency = latencyQuantilesMs(new Map(delta.latencyBuckets.map(([le, n]) => [Number(le), n])));
      if (!latency) return noRequests;
      return { value: latency[metric.slice('latency-'.length) as 'p50' | 'p95' | 'p99'] };
    }
    case 'psi': {
      if (!stable?.delta)
        return {
          inconclusive: `the gateway series of stable version ${stable?.version ?? '?'} restarted during the interval`,
        };
      const candidate = binShares(delta.probabilityBuckets);
      const baseline = binShares(stable.delta.probabilityBuckets);
      if (!candidate) return { inconclusive: `no scored predictions of version ${version} during the interval` };
      if (!baseline)
        return { inconclusive: `no scored predictions of stable version ${stable.version} during the interval` };
      return { value: psi(baseline, candidate) };
    }
  }
}

/** Population stability index of `actual` against `expected`, both shares of the same bins. */
export function psi(expected: readonly number[], actual: readonly number[]): number {
  let sum = 0;
  for (let i = 0; i < Math.max(expected.length, actual.length); i++) {
    const e = Math.max(expected[i] ?? 0, PSI_EPSILON);
    const a = Math.max(actual[i] ?? 0, PSI_EPSILON);
    sum += (a - e) * Math.log(a / e);
  }
  return sum;
}

/** Cumulative bucket counts → each bin's share; undefined when the histogram is empty. */
function binShares(cumulative: readonly [string, number][]): number[] | undefined {
  const total = cumulative.at(-1)?.[1] ?? 0;
  if (total === 0) return undefined;
  return cumulative.map(([, n], i) => (n - (i ? cumulative[i - 1][1] : 0)) / total);
}

function bucketDelta(before: readonly [string, number][], after: readonly [string, number][]): [string, number][] {
  const earlier = new Map(before);
  return after.map(([le, n]) => [le, n - (earlier.get(le) ?? 0)]);
}

function add(map: Map<string, number>, key: string, value: number): void {
  map.set(key, (map.get(key) ?? 0) + value);
}

const sorted = (map: Map<string, number>): [string, number][] => [...map].sort(([a], [b]) => Number(a) - Number(b));
