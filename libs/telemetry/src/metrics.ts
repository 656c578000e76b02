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

// prom-client's `labels()` children hash and validate their labels on every call; the hot paths (a series per
// request or per record) use these instead, which find their series once and then add to it directly. They lean
// on prom-client 15's internal per-series map (metrics.spec.ts checks they expose exactly what its own calls do);
// a series dropped by reset() is found again on the next call.
interface SeriesMap<E> {
  hashMap: Record<string, E | undefined>;
}
type CounterEntry = { value: number };
type HistogramEntry = { labels: object; bucketValues: Record<number, number>; sum: number; count: number };

/** One labelled series of a counter, for counts (finite, not negative) only. */
export function counterSeries(metric: Counter<string>, labels: Record<string, string>): { inc(by?: number): void } {
  const internals = metric as unknown as SeriesMap<CounterEntry> & {
    inc(labels: object, by: number): { labelHash: string };
  };
  let hash: string | undefined;
  return {
    inc(by = 1) {
      const entry = hash === undefined ? undefined : internals.hashMap[hash];
      if (entry) entry.value += by;
      else hash = internals.inc(labels, by).labelHash;
    },
  };
}

/** One labelled series of a histogram. */
export function histogramSeries(
  metric: Histogram<string>,
  labels: Record<string, string>,
): { observe(value: number): void } {
  const internals = metric as unknown as SeriesMap<HistogramEntry> & { upperBounds: readonly number[] };
  let hash: string | undefined;
  return {
    observe(value) {
      const entry = hash === undefined ? undefined : internals.hashMap[hash];
      if (!entry) {
        metric.observe(labels, value);
        // prom-client keeps the labels object it was given, so the new series is the one holding ours.
        hash = Object.keys(internals.hashMap).find((key) => internals.hashMap[key]?.labels === labels);
        return;
      }
      if (!Number.isFinite(value)) throw new TypeError(`Value is not a valid number: ${value}`);
      entry.sum += value;
      entry.count += 1;
      for (const bound of internals.upperBounds)
        if (value <= bound) {
          entry.bucketValues[bound] += 1;
          break;
        }
    },
  };
}
