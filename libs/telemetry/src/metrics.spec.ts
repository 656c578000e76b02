import {
  batchSizeCounter,
  counter,
  counterSeries,
  histogramSeries,
  initMetrics,
  LATENCY_BUCKETS,
  latencyHistogram,
  metricsRegistry,
} from './metrics';

/** The value of one sample in the registry, found by metric name and labels (label order does not matter). */
async function sample(name: string, labels: Record<string, string | number>): Promise<number | undefined> {
  for (const metric of await metricsRegistry.getMetricsAsJSON()) {
    for (const value of metric.values as {
      metricName?: string;
      labels: Record<string, string | number>;
      value: number;
    }[]) {
      const matches = Object.entries(labels).every(([k, v]) => value.labels[k] === v);
      if (
        (value.metricName ?? metric.name) === name &&
        matches &&
        Object.keys(value.labels).length === Object.keys(labels).length
      ) {
        return value.value;
      }
    }
  }
  return undefined;
}

describe('metrics', () => {
  beforeAll(() => {
    initMetrics('metrics-spec');
  });

  it('counts requests by the size of the batch they joined, with every batch of 16 or more as "16+"', async () => {
    const batched = batchSizeCounter('spec_batched_requests_total', 'Requests by the size of the batch they joined');
    [1, 3, 16, 40].forEach((size) => batched.observe(size));
    const labels = { service: 'metrics-spec' };
    expect(await sample('spec_batched_requests_total', { ...labels, batch: '1' })).toBe(1);
    expect(await sample('spec_batched_requests_total', { ...labels, batch: '3' })).toBe(3);
    expect(await sample('spec_batched_requests_total', { ...labels, batch: '16+' })).toBe(56);
  });

  it('registers counters on the process registry, labelled with the service name', async () => {
    const requests = counter('spec_requests_total', 'Requests answered, by model and outcome', ['model', 'outcome']);
    requests.inc({ model: 'flight-delay', outcome: 'ok' });
    requests.inc({ model: 'flight-delay', outcome: 'ok' });
    requests.inc({ model: 'flight-delay', outcome: 'error' });
    expect(await metricsRegistry.metrics()).toContain(
      '# HELP spec_requests_total Requests answered, by model and outcome',
    );
    const labels = { model: 'flight-delay', service: 'metrics-spec' };
    expect(await sample('spec_requests_total', { ...labels, outcome: 'ok' })).toBe(2);
    expect(await sample('spec_requests_total', { ...labels, outcome: 'error' })).toBe(1);
  });

  it('registers latency histograms with buckets dense below 10 ms', async () => {
    const latency = latencyHistogram('spec_latency_seconds', 'Inference latency', ['model']);
    latency.observe({ model: 'flight-delay' }, 0.0012);
    latency.observe({ model: 'flight-delay' }, 0.2);
    const labels = { model: 'flight-delay', service: 'metrics-spec' };
    expect(await sample('spec_latency_seconds_bucket', { ...labels, le: 0.001 })).toBe(0);
    expect(await sample('spec_latency_seconds_bucket', { ...labels, le: 0.002 })).toBe(1);
    expect(await sample('spec_latency_seconds_bucket', { ...labels, le: '+Inf' })).toBe(2);
    expect(await sample('spec_latency_seconds_count', labels)).toBe(2);
    expect(LATENCY_BUCKETS.filter((b) => b <= 0.01)).toHaveLength(7);
    expect([...LATENCY_BUCKETS].sort((a, b) => a - b)).toEqual(LATENCY_BUCKETS);
  });

  it("collects Node's default metrics once, keeping the first service name", async () => {
    expect(initMetrics('another-service')).toBe(metricsRegistry);
    const text = await metricsRegistry.metrics();
    expect(text).toContain('process_cpu_user_seconds_total{service="metrics-spec"}');
    expect(text).not.toContain('another-service');
    expect(text.match(/^# HELP process_cpu_user_seconds_total/gm)).toHaveLength(1);
  });

  it('refuses a second metric with the same name', () => {
    counter('spec_unique_total', 'once', []);
    expect(() => counter('spec_unique_total', 'twice', [])).toThrow(/already been registered/);
  });

  describe('bound series', () => {
    /** The exposition of one metric without its name, so two metrics fed alike compare equal. */
    const exposition = async (name: string) =>
      (await metricsRegistry.getSingleMetricAsString(name)).replaceAll(name, 'm');

    it("count exactly what prom-client's own inc counts, each series on its own, and again after a reset", async () => {
      const plain = counter('spec_plain_total', 'Plain', ['arm', 'outcome']);
      const bound = counter('spec_bound_total', 'Plain', ['arm', 'outcome']);
      const ok = counterSeries(bound, { arm: 'a', outcome: 'ok' });
      const failed = counterSeries(bound, { arm: 'a', outcome: 'error' });
      const feed = () => {
        [1, 1, 3].forEach((by) => (plain.inc({ arm: 'a', outcome: 'ok' }, by), ok.inc(by)));
        plain.inc({ arm: 'a', outcome: 'error' });
        failed.inc();
      };
      feed();
      expect(await exposition('spec_bound_total')).toBe(await exposition('spec_plain_total'));
      expect(await sample('spec_bound_total', { service: 'metrics-spec', arm: 'a', outcome: 'ok' })).toBe(5);
      plain.reset();
      bound.reset();
      feed();
      expect(await exposition('spec_bound_total')).toBe(await exposition('spec_plain_total'));
    });

    it("observe exactly what prom-client's own observe does, bucket by bucket, and again after a reset", async () => {
      const plain = latencyHistogram('spec_plain_seconds', 'Plain', ['arm']);
      const bound = latencyHistogram('spec_bound_seconds', 'Plain', ['arm']);
      const arm = histogramSeries(bound, { arm: 'a' });
      const values = [0, 0.0005, 0.0042, 0.01, 0.3, 7, 99];
      const feed = () => values.forEach((v) => (plain.observe({ arm: 'a' }, v), arm.observe(v)));
      feed();
      expect(await exposition('spec_bound_seconds')).toBe(await exposition('spec_plain_seconds'));
      plain.reset();
      bound.reset();
      feed();
      feed();
      expect(await exposition('spec_bound_seconds')).toBe(await exposition('spec_plain_seconds'));
      expect(() => arm.observe(Number.NaN)).toThrow(TypeError);
    });
  });
});
