// The built-in shadow metrics: how the candidate's answers to mirrored requests compared with stable's during one
// interval, read from every gateway replica's tallies (subjects.shadowMetrics) summed with mergeShadowPairs. The
// tallies are cumulative since each replica started, so a measurement is the difference between two readings —
// histogram counts included, so `shadow-psi` is the PSI of the interval's scores, not of everything since the start.
import type { ShadowPairSummary, ShadowSummary } from '@aviary/contracts';
import type { MetricValue } from './builtin-metrics';
import { gatherReplicas, MeasurementTarget, MetricProvider, Reading } from './metric-provider';
import { isShadowMetric, ShadowMetricName } from './rollout-document';
import type { DueMeasurement } from './rollout-machine';
import { mergeShadowPairs, shadowPairDelta, shadowRow } from './shadow-comparison';

/**
 * A shadow metric over one interval, from what the (stable, candidate) pair gained in it (`delta`; undefined: a
 * replica's tally restarted; null: nothing was ever mirrored). No mirrored request, or none that yields the figure, is inconclusive with the reason.
 */
export function shadowMetric(
  metric: ShadowMetricName,
  target: Pick<MeasurementTarget, 'stable' | 'candidate'>,
  delta: ShadowPairSummary | undefined | null,
): MetricValue {
  const pair = `candidate ${target.candidate} against stable ${target.stable}`;
  if (delta === undefined) return { inconclusive: `a gateway's shadow tally of ${pair} restarted during the interval` };
  if (delta === null || delta.answered + delta.errors === 0)
    return { inconclusive: `no mirrored request of ${pair} was answered during the interval` };
  const row = shadowRow(delta);
  const figure = (value: number | null | undefined, what: string): MetricValue =>
    value === null || value === undefined ? { inconclusive: `no ${what} of ${pair} during the interval` } : { value };
  switch (metric) {
    case 'shadow-agreement':
      return figure(row.agreementRate, 'record pairs with a label on both sides');
    case 'shadow-score-diff':
      return figure(row.meanAbsScoreDiff, 'record pairs with a score on both sides');
    case 'shadow-psi':
      return figure(row.psi, 'scored record pairs');
    case 'shadow-error-rate':
      return figure(row.errorRate, 'mirrored answers');
    case 'shadow-latency-p95':
      return figure(row.latencyMs?.p95, 'mirrored answers');
  }
}

/** The gateways' shadow tallies of one model, one summary per replica (subjects.shadowMetrics). */
export type ShadowSource = (model: string) => Promise<ShadowSummary[]>;

/** `provider: "builtin"` with a shadow metric's name; the reading kept between measurements is the summed pair. */
export class ShadowMetricProvider implements MetricProvider {
  constructor(private readonly tallies: ShadowSource) {}

  async read(target: MeasurementTarget, due: DueMeasurement): Promise<Reading> {
    const provider = due.metric.provider;
    if (!('builtin' in provider) || !isShadowMetric(provider.builtin.metric))
      throw new Error(`metric ${due.metric.name} is not a shadow metric`);
    const gathered = await gatherReplicas(() => this.tallies(target.model), due, 'its shadow tallies');
    if (!('replicas' in gathered)) return gathered;
    const pair = mergeShadowPairs(gathered.replicas).find(
      (p) => p.stable === target.stable && p.candidate === target.candidate,
    );
    // Null, not undefined, so a reading of "nothing mirrored yet" survives JSON in the status.
    const reading = pair ?? null;
    if (due.prime) return { reading };
    const before = (due.baseline ?? undefined) as ShadowPairSummary | undefined;
    // No pair now but one before: the replicas that held it left.
    const delta = pair ? shadowPairDelta(before, pair) : before ? undefined : null;
    return { reading, result: shadowMetric(provider.builtin.metric, target, delta) };
  }
}
