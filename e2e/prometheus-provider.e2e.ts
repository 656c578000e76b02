// The prometheus metric provider against a real Prometheus scraping a running gateway's /metrics every second: a
// query over live traffic is a value, an empty vector or NaN is no data (never a value), a bad query an error.
import { PrometheusProvider } from '@aviary/rollout';
import { describeWithPrometheus, PrometheusServer, startPrometheus, startStack, Stack, waitFor } from '@aviary/testing';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FLIGHT, postJson } from './support';

const versionFlag = {
  state: 'ENABLED',
  variants: { control: '1', challenger: '2' },
  defaultVariant: 'control',
  targeting: { fractional: [{ var: 'targetingKey' }, ['control', 50], ['challenger', 50]] },
};

describeWithPrometheus('the prometheus metric provider', () => {
  let stack: Stack;
  let prometheus: PrometheusServer;
  let provider: PrometheusProvider;

  beforeAll(async () => {
    stack = await startStack();
    await stack.waitForModel('flight-delay', '1');
    await stack.waitForModel('flight-delay', '2');
    const file = join(mkdtempSync(join(tmpdir(), 'aviary-prometheus-flags-')), 'flags.json');
    writeFileSync(file, JSON.stringify({ flags: { 'model.flight-delay': versionFlag } }));
    expect(stack.cli(['flags', 'apply', '-f', file])).toMatchObject({ code: 0 });
    prometheus = await startPrometheus([new URL(stack.gateway.httpUrl).host]);
    provider = new PrometheusProvider({ address: prometheus.url, timeoutMs: 5000 });
  });

  afterAll(async () => {
    await prometheus?.stop();
    await stack?.stop();
  });

  it('measures the request rate of flag-routed traffic', async () => {
    const query = 'sum(rate(aviary_variant_requests_total{model="flight-delay"}[10s]))';
    let measurement = await provider.measure(query, new Date());
    // Traffic keeps flowing until two scrapes of it are in the window rate() reads.
    await waitFor(
      'Prometheus to see the traffic',
      async () => {
        for (let i = 0; i < 10; i++)
          await postJson(`${stack.gateway.httpUrl}/v1/models/flight-delay/predict`, {
            instances: [FLIGHT],
            context: { targetingKey: `user-${i}` },
          });
        measurement = await provider.measure(query, new Date());
        return 'value' in measurement;
      },
      30_000,
    );
    expect(measurement).toMatchObject({ value: expect.any(Number) });
    expect((measurement as { value: number }).value).toBeGreaterThan(0);

    const byVariant = await provider.measure(
      'sum by (variant) (aviary_variant_requests_total{model="flight-delay"})',
      new Date(),
    );
    expect(byVariant).toMatchObject({ value: [expect.any(Number), expect.any(Number)] });
  });

  it('is no data for an empty vector and for NaN, never a value', async () => {
    expect(
      await provider.measure('sum(rate(aviary_variant_requests_total{model="no-such-model"}[10s]))', new Date()),
    ).toEqual({ noData: true, reason: 'the query returned an empty vector' });
    // A ratio over no traffic is 0/0.
    expect(
      await provider.measure(
        'sum(rate(aviary_variant_requests_total{outcome="server_error"}[10s])) / sum(rate(aviary_variant_requests_total{outcome="server_error"}[10s]))',
        new Date(),
      ),
    ).toMatchObject({ noData: true });
    expect(await provider.measure('scalar(vector(0)) / 0 - scalar(vector(0)) / 0', new Date())).toMatchObject({
      noData: true,
    });
  });

  it('is an error for a query Prometheus cannot parse', async () => {
    expect(await provider.measure('sum(', new Date())).toEqual({
      error: expect.stringMatching(/^prometheus answered HTTP 400: bad_data: /),
    });
  });
});
