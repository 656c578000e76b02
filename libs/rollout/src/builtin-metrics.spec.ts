import { Counter, Histogram, Registry } from 'prom-client';
import { builtinMetric, psi, totalsDelta, versionTotals } from './builtin-metrics';
import { MetricSnapshot } from './variant-report';

/** One gateway replica's series, made by prom-client with the gateway's names and labels. */
function replica() {
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
    labelNames: ['model', 'variant', 'version'],
    buckets: [0.001, 0.01, 0.1],
    registers,
  });
  const scores = new Histogram({
    name: 'aviary_variant_prediction_probability',
    help: 'h',
    labelNames: ['model', 'variant', 'version'],
    buckets: [0.5, 1],
    registers,
  });
  return {
    observe(version: string, outcome: string, ms: number, p?: number) {
      const labels = { model: 'm', variant: version === '1' ? 'stable' : 'canary', version };
      requests.inc({ ...labels, outcome });
      latency.observe(labels, ms / 1000);
      if (p !== undefined) scores.observe(labels, p);
    },
    snapshot: async (): Promise<MetricSnapshot[]> => Promise.all([requests.get(), latency.get(), scores.get()]),
  };
}

describe('built-in metrics', () => {
  it('measure each version over the interval only, summed over the replicas', async () => {
    const a = replica();
    const b = replica();
    for (let i = 0; i < 50; i++) a.observe('2', 'server_error', 50); // before the interval: not counted
    const before = versionTotals([await a.snapshot(), await b.snapshot()]);
    for (let i = 0; i < 90; i++) a.observe('2', 'ok', 5, 0.9);
    for (let i = 0; i < 10; i++) b.observe('2', 'server_error', 50);
    for (let i = 0; i < 5; i++) b.observe('2', 'client_error', 1);
    const after = versionTotals([await a.snapshot(), await b.snapshot()]);
    // Through JSON, as the status stores the reading the next measurement starts from.
    const delta = totalsDelta(JSON.parse(JSON.stringify(before['2'])), after['2']);
    const measured = { version: '2', delta };
    expect(builtinMetric('success-rate', measured)).toEqual({ value: 0.9 });
    expect(builtinMetric('error-rate', measured)).toEqual({ value: expect.closeTo(0.1) });
    expect(builtinMetric('request-count', measured)).toEqual({ value: 105 });
    const p50 = builtinMetric('latency-p50', measured) as { value: number };
    expect(p50.value).toBeGreaterThan(1);
    expect(p50.value).toBeLessThanOrEqual(10);
    expect((builtinMetric('latency-p99', measured) as { value: number }).value).toBeGreaterThan(10);
  });

  it('answers inconclusive, with the reason, when no request reached the version', async () => {
    const a = replica();
    const totals = versionTotals([await a.snapshot()]);
    const measured = { version: '2', delta: totalsDelta(totals['2'], totals['2']) };
    for (const metric of ['success-rate', 'error-rate', 'latency-p95', 'psi'] as const)
      expect(builtinMetric(metric, measured, { version: '1', delta: measured.delta })).toEqual({
        inconclusive: expect.stringMatching(/no (requests reached|scored predictions of) version 2/),
      });
    expect(builtinMetric('request-count', measured)).toEqual({ value: 0 });
  });

  it('answers inconclusive when a replica restarted and its counters began again', () => {
    const high = { ok: 10, clientErrors: 0, serverErrors: 0, latencyBuckets: [], probabilityBuckets: [] };
    const delta = totalsDelta(high, { ...high, ok: 3 });
    expect(builtinMetric('success-rate', { version: '2', delta })).toEqual({
      inconclusive: 'the gateway series of version 2 restarted during the interval',
    });
  });

  it('computes the PSI of the candidate’s scores against stable’s: 0 when alike, large when they moved', async () => {
    const a = replica();
    for (let i = 0; i < 100; i++) a.observe('1', 'ok', 1, i < 80 ? 0.2 : 0.8);
    for (let i = 0; i < 100; i++) a.observe('2', 'ok', 1, i < 80 ? 0.2 : 0.8);
    const alike = versionTotals([await a.snapshot()]);
    const same = builtinMetric('psi', { version: '2', delta: alike['2'] }, { version: '1', delta: alike['1'] });
    expect((same as { value: number }).value).toBeCloseTo(0);
    const b = replica();
    for (let i = 0; i < 100; i++) b.observe('1', 'ok', 1, i < 80 ? 0.2 : 0.8);
    for (let i = 0; i < 100; i++) b.observe('2', 'ok', 1, i < 20 ? 0.2 : 0.8);
    const moved = versionTotals([await b.snapshot()]);
    const value = (
      builtinMetric('psi', { version: '2', delta: moved['2'] }, { version: '1', delta: moved['1'] }) as {
        value: number;
      }
    ).value;
    // (0.2 - 0.8) ln(0.2/0.8) + (0.8 - 0.2) ln(0.8/0.2)
    expect(value).toBeCloseTo(1.2 * Math.log(4));
    expect(Number.isFinite(psi([1, 0], [0, 1]))).toBe(true);
  });
});
