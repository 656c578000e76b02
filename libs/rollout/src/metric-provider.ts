// Where analysis readings come from. The built-in provider reads the gateway replicas' per-version series; a
// Prometheus client plugs in behind the same interface (MetricProvider) under the provider key "prometheus".
import { builtinMetric, MetricValue, totalsDelta, VersionTotals, versionTotals } from './builtin-metrics';
import { AnalysisMetric, isShadowMetric } from './rollout-document';
import type { DueMeasurement } from './rollout-machine';
import type { MetricSnapshot } from './variant-report';
import { PrometheusProvider, QuerySource } from './prometheus';

export interface MeasurementTarget {
  model: string;
  stable: string;
  candidate: string;
}

export interface Reading {
  /** What the next measurement starts from (stored in the status: JSON). */
  reading?: unknown;
  /** Absent for a priming reading. */
  result?: MetricValue | { error: string };
}

export interface MetricProvider {
  read(target: MeasurementTarget, due: DueMeasurement): Promise<Reading>;
}

/** Which provider reads a metric: the shadow metrics are built-in but read the gateways' shadow tallies. */
export const providerKey = (metric: AnalysisMetric): 'builtin' | 'shadow' | 'prometheus' =>
  'builtin' in metric.provider ? (isShadowMetric(metric.provider.builtin.metric) ? 'shadow' : 'builtin') : 'prometheus';

/**
 * Every gateway replica's answer for a built-in reading. A failed gather is an error and no answer inconclusive
 * (nothing is known: never a zero), both keeping the baseline; a priming reading records neither.
 */
export async function gatherReplicas<T>(
  gather: () => Promise<T[]>,
  due: DueMeasurement,
  what: string,
): Promise<{ replicas: T[] } | Reading> {
  let replicas: T[];
  try {
    replicas = await gather();
  } catch (e) {
    return { reading: due.baseline, ...(!due.prime && { result: { error: (e as Error).message } }) };
  }
  if (replicas.length > 0) return { replicas };
  return {
    reading: due.baseline,
    ...(!due.prime && { result: { inconclusive: `no gateway replica answered for ${what}` } }),
  };
}

/** The gateways' per-variant series of one model, one list per replica (subjects.variantMetrics). */
export type SeriesSource = (model: string) => Promise<MetricSnapshot[][]>;

export class BuiltinMetricProvider implements MetricProvider {
  constructor(private readonly series: SeriesSource) {}

  async read(target: MeasurementTarget, due: DueMeasurement): Promise<Reading> {
    if (!('builtin' in due.metric.provider)) throw new Error(`metric ${due.metric.name} is not built-in`);
    const gathered = await gatherReplicas(() => this.series(target.model), due, 'its series');
    if (!('replicas' in gathered)) return gathered;
    const { replicas } = gathered;
    const totals = versionTotals(replicas);
    if (due.prime) return { reading: totals };
    const before = (due.baseline ?? {}) as Record<string, VersionTotals>;
    const { metric, version } = due.metric.provider.builtin;
    if (isShadowMetric(metric)) throw new Error(`metric ${due.metric.name} is read by the ShadowMetricProvider`);
    const measured = version === 'stable' ? target.stable : target.candidate;
    const result = builtinMetric(
      metric,
      { version: measured, delta: totalsDelta(before[measured], totals[measured]) },
      { version: target.stable, delta: totalsDelta(before[target.stable], totals[target.stable]) },
    );
    return { reading: totals, result };
  }
}

/**
 * `provider: {prometheus: {address, query}}`: one instant query per measurement (no priming: PromQL windows itself).
 * An empty vector or NaN is inconclusive; a vector of several values is an error, as a condition reads one number.
 */
export class PrometheusMetricProvider implements MetricProvider {
  private readonly clients = new Map<string, QuerySource>();

  constructor(
    private readonly connect: (address: string) => QuerySource = (address) => new PrometheusProvider({ address }),
  ) {}

  async read(_target: MeasurementTarget, due: DueMeasurement): Promise<Reading> {
    if (due.prime) return {};
    if (!('prometheus' in due.metric.provider)) throw new Error(`metric ${due.metric.name} is not a prometheus one`);
    const { address, query } = due.metric.provider.prometheus;
    let client = this.clients.get(address);
    if (!client) this.clients.set(address, (client = this.connect(address)));
    const answer = await client.measure(query, new Date());
    if ('error' in answer) return { result: { error: answer.error } };
    if ('noData' in answer) return { result: { inconclusive: answer.reason } };
    if (typeof answer.value === 'number') return { result: { value: answer.value } };
    return { result: { error: `the query answered ${answer.value.length} series; a condition reads one number` } };
  }
}
