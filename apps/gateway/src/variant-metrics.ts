// A/B metrics: requests, errors, latency and the prediction distribution of each version-flag variant, so the arms
// of a test can be compared. Prometheus scrapes them; `aviary flags ab` gathers the same series from every gateway
// replica over NATS (subjects.variantMetrics), so no Prometheus is needed to read an experiment.
import { AviaryError, subjects } from '@aviary/contracts';
import { encodeJson, NatsRpc } from '@aviary/messaging';
import { counter, counterSeries, histogramSeries, latencyHistogram, scoreHistogram } from '@aviary/telemetry';
import { Injectable, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { Subscription } from 'nats';
import { Histogram, Counter, MetricObjectWithValues, MetricValue } from 'prom-client';
import { httpStatusOf, Outcome, outcomeOfHttpStatus } from '@aviary/rest-door';

const requests = counter('aviary_variant_requests_total', 'Flag-routed requests by model, variant, version, outcome', [
  'model',
  'variant',
  'version',
  'outcome',
]);
// `version` on every series: rollout analysis reads them per version (libs/rollout builtin-metrics).
const latency = latencyHistogram('aviary_variant_request_duration_seconds', 'Flag-routed request latency', [
  'model',
  'variant',
  'version',
]);
const predictions = counter('aviary_variant_predictions_total', 'Predictions of flag-routed requests by label', [
  'model',
  'variant',
  'version',
  'label',
]);
const scores = scoreHistogram(
  'aviary_variant_prediction_probability',
  'Probability of the predicted label (binary: of the positive class), of flag-routed requests',
  ['model', 'variant', 'version'],
);
const series: (Counter<string> | Histogram<string>)[] = [requests, latency, predictions, scores];

export interface Arm {
  model: string;
  variant: string;
  version: string;
}

/** An arm's series, found once per arm, not on every request and record. */
interface ArmSeries {
  outcomes: Record<Outcome, { inc(): void }>;
  latency: { observe(seconds: number): void };
  scores: { observe(probability: number): void };
  labels: Map<string, { inc(): void }>;
}

const arms = new Map<string, ArmSeries>();

function seriesOf({ model, variant, version }: Arm): ArmSeries {
  const key = `${model}\u0000${variant}\u0000${version}`;
  let series = arms.get(key);
  if (!series) {
    const outcome = (o: Outcome) => counterSeries(requests, { model, variant, version, outcome: o });
    series = {
      outcomes: { ok: outcome('ok'), client_error: outcome('client_error'), server_error: outcome('server_error') },
      latency: histogramSeries(latency, { model, variant, version }),
      scores: histogramSeries(scores, { model, variant, version }),
      labels: new Map(),
    };
    arms.set(key, series);
  }
  return series;
}

/** One flag-routed request's outcome; `records` are its predictions when it succeeded. */
export function observeArm(arm: Arm, seconds: number, failure?: unknown, records?: readonly unknown[]): void {
  const series = seriesOf(arm);
  series.outcomes[failure === undefined ? 'ok' : outcomeOf(failure)].inc();
  series.latency.observe(seconds);
  for (const p of records ?? []) {
    const { label, probability } = (p ?? {}) as { label?: unknown; probability?: unknown };
    if (typeof label !== 'string') continue;
    let labelCount = series.labels.get(label);
    if (!labelCount) series.labels.set(label, (labelCount = counterSeries(predictions, { ...arm, label })));
    labelCount.inc();
    if (typeof probability === 'number') series.scores.observe(probability);
  }
}

const outcomeOf = (failure: unknown) =>
  failure instanceof AviaryError ? outcomeOfHttpStatus(httpStatusOf(failure.code)) : 'server_error';

/** This replica's A/B series of one model, in prom-client's own shape. */
export async function variantSeries(model: string): Promise<MetricObjectWithValues<MetricValue<string>>[]> {
  const all = await Promise.all(series.map((metric) => metric.get()));
  return all.map((metric) => ({ ...metric, values: metric.values.filter((v) => v.labels.model === model) }));
}

/** Answers subjects.variantMetrics(model) on every replica (no queue group): the CLI sums the replicas. */
@Injectable()
export class VariantMetricsServer implements OnApplicationBootstrap, OnApplicationShutdown {
  private subscription?: Subscription;

  constructor(private readonly rpc: NatsRpc) {}

  async onApplicationBootstrap(): Promise<void> {
    this.subscription = await this.rpc.serve(subjects.variantMetrics('*'), undefined, async (request) =>
      encodeJson({ metrics: await variantSeries(request.subject.split('.').pop() as string) }),
    );
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.subscription) await this.rpc.unserve(this.subscription);
  }
}
