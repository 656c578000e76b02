import { batchSizeCounter, counter, initMetrics, LATENCY_BUCKETS, latencyHistogram, metricsRegistry } from './metrics';

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
});
