// Prometheus metrics: one registry per process, with Node's default metrics and the service name as a label.
import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export const metricsRegistry = new Registry();
let initialised = false;

export function initMetrics(service: string): Registry {
  if (!initialised) {
    metricsRegistry.setDefaultLabels({ service });
    collectDefaultMetrics({ register: metricsRegistry });
    initialised = true;
  }
  return metricsRegistry;
}

/** Latency buckets in seconds, dense below 10 ms where the online path lives. */
export const LATENCY_BUCKETS = [
  0.0005, 0.001, 0.002, 0.003, 0.005, 0.0075, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5,
];

export function counter(name: string, help: string, labelNames: string[]): Counter<string> {
  return new Counter({ name, help, labelNames, registers: [metricsRegistry] });
}

/** Batches this large and larger share one label value, so the label stays a handful of series. */
const LARGEST_BATCH_LABEL = 16;

/** Counts requests by the size of the micro-batch they joined: label `batch` is 1 to 15, then "16+". */
export function batchSizeCounter(name: string, help: string): { observe(requests: number): void } {
  const requests = counter(name, help, ['batch']);
  return {
    observe: (size) =>
      requests.inc({ batch: size >= LARGEST_BATCH_LABEL ? `${LARGEST_BATCH_LABEL}+` : String(size) }, size),
  };
}

/** A histogram of scores in [0, 1] (predicted probabilities), in tenths: enough to see a distribution shift. */
export function scoreHistogram(name: string, help: string, labelNames: string[]): Histogram<string> {
  const buckets = Array.from({ length: 10 }, (_, i) => (i + 1) / 10);
  return new Histogram({ name, help, labelNames, buckets, registers: [metricsRegistry] });
}

export function latencyHistogram(name: string, help: string, labelNames: string[]): Histogram<string> {
  return new Histogram({ name, help, labelNames, buckets: LATENCY_BUCKETS, registers: [metricsRegistry] });
}
