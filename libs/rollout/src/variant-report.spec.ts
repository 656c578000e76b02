import { Counter, Histogram, Registry } from 'prom-client';
import { formatVariantReport, MetricSnapshot, variantReport } from './variant-report';

/** One gateway replica's series, made by prom-client itself as the gateway makes them. */
function replica(): {
  observe(variant: string, version: string, ms: number, outcome: string, label?: string, p?: number): void;
  snapshot(): Promise<MetricSnapshot[]>;
} {
  const registers = [new Registry()];
  const requests = new Counter({
    name: 'aviary_variant_requests_total',
    help: 'h',
    labelNames: ['model', 'variant', 'version', 'outcome'],
    registers,
  });
  const latency = new Histogram({
    name: 'aviary_variant_request_duration_seconds',
    help: 'h',
    labelNames: ['model', 'variant'],
    buckets: [0.001, 0.005, 0.01, 0.1],
    registers,
  });
  const predictions = new Counter({
    name: 'aviary_variant_predictions_total',
    help: 'h',
    labelNames: ['model', 'variant', 'label'],
    registers,
  });
  const scores = new Histogram({
    name: 'aviary_variant_prediction_probability',
    help: 'h',
    labelNames: ['model', 'variant'],
    buckets: [0.5, 1],
    registers,
  });
  return {
    observe(variant, version, ms, outcome, label, p) {
      const model = 'flight-delay';
      requests.inc({ model, variant, version, outcome });
      latency.observe({ model, variant }, ms / 1000);
      if (label) predictions.inc({ model, variant, label });
      if (p !== undefined) scores.observe({ model, variant }, p);
    },
    snapshot: () => Promise.all([requests.get(), latency.get(), predictions.get(), scores.get()]),
  };
}

describe('variantReport', () => {
  it('sums the replicas and reads each variant’s requests, errors, latency and predictions', async () => {
    const a = replica();
    const b = replica();
    for (let i = 0; i < 90; i++) a.observe('control', '1', 3, 'ok', i % 3 ? 'on-time' : 'late', 0.2);
    for (let i = 0; i < 10; i++) b.observe('control', '1', 50, 'server_error');
    for (let i = 0; i < 40; i++) b.observe('challenger', '2', 0.5, i < 2 ? 'client_error' : 'ok', 'late', 0.8);
    const rows = variantReport([await a.snapshot(), await b.snapshot()]);
    expect(rows.map((r) => r.variant)).toEqual(['challenger', 'control']);
    const [challenger, control] = rows;
    expect(control).toMatchObject({
      versions: ['1'],
      requests: 100,
      serverErrors: 10,
      clientErrors: 0,
      predictions: 90,
    });
    expect(control.labels).toEqual({ 'on-time': 60 / 90, late: 30 / 90 });
    expect(control.meanProbability).toBeCloseTo(0.2);
    // 90 of 100 in (1, 5] ms: the median interpolates inside that bucket; the p95 falls in (10, 100] ms.
    expect(control.latencyMs!.p50).toBeGreaterThan(1);
    expect(control.latencyMs!.p50).toBeLessThanOrEqual(5);
    expect(control.latencyMs!.p95).toBeGreaterThan(10);
    expect(challenger).toMatchObject({ requests: 40, clientErrors: 2, serverErrors: 0, labels: { late: 1 } });
    expect(challenger.latencyMs!.p99).toBeLessThanOrEqual(1);
    const table = formatVariantReport('flight-delay', rows);
    expect(table.split('\n')).toHaveLength(3);
    expect(table).toMatch(/control\s+1\s+100\s+10 \(10\.0%\) \+ 0 client/);
  });

  it('says so when no request was flag-routed', () => {
    expect(variantReport([])).toEqual([]);
    expect(formatVariantReport('iris', [])).toMatch(/no flag-routed requests for iris/);
  });
});
