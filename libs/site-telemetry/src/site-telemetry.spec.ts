import { AviaryError, decodePredictionLog, metricSummarySchema } from '@aviary/contracts';
import { createLogger } from '@aviary/telemetry';
import { SiteTelemetry, SiteTelemetryOptions } from './site-telemetry';

interface Sent {
  subject: string;
  data: string;
  id: string;
}

/** A SiteTelemetry whose site NATS is a list; `down` makes every publish fail, as an unreachable server would. */
function telemetryUnderTest(options: Partial<SiteTelemetryOptions> = {}) {
  const sent: Sent[] = [];
  const attempts: string[] = [];
  const nats = { down: false };
  const telemetry = new SiteTelemetry({
    site: 'edge',
    log: createLogger('site-telemetry-spec'),
    sample: 1,
    payloads: false,
    summaryIntervalMs: 60_000,
    capacity: 1000,
    flushMs: 20,
    publish: async (subject, data, id) => {
      attempts.push(id);
      if (nats.down) throw new Error('no responders');
      sent.push({ subject, data, id });
    },
    ...options,
  });
  const records = () =>
    sent.filter((s) => s.subject.endsWith('.predictions')).flatMap((s) => decodePredictionLog(s.data));
  return { telemetry, sent, attempts, nats, records };
}

const answer = { model: 'm', version: '2', variant: 'b', predictions: [{ label: 'x' }] };
const settle = (ms = 80) => new Promise((resolve) => setTimeout(resolve, ms));

describe('SiteTelemetry', () => {
  it('logs every request with its version, variant, status and trace id, batched on the site subject', async () => {
    const { telemetry, sent, records } = telemetryUnderTest();
    await telemetry.observe({ model: 'm' }, async () => answer);
    await expect(
      telemetry.observe({ model: 'm', version: '9' }, async () => {
        throw new AviaryError('unknown version', 'NOT_FOUND');
      }),
    ).rejects.toThrow('unknown version');
    await settle();
    await telemetry.close();
    expect(sent[0]).toMatchObject({ subject: 'aviary.v1.telemetry.edge.predictions' });
    expect(records()).toEqual([
      expect.objectContaining({ model: 'm', version: '2', variant: 'b', status: 'ok', traceId: '' }),
      expect.objectContaining({ model: 'm', version: '9', status: 'error', code: 'NOT_FOUND' }),
    ]);
    expect(records()[0]).not.toHaveProperty('inputs');
  });

  it('logs a failure after the version was picked under that version and its variant', async () => {
    const { telemetry, records } = telemetryUnderTest();
    await expect(
      telemetry.observe({ model: 'm' }, async (picked) => {
        picked({ model: 'm', version: '5', variant: 'canary' });
        throw new Error('onnx run failed');
      }),
    ).rejects.toThrow('onnx run failed');
    await telemetry.close();
    expect(records()).toEqual([
      expect.objectContaining({ version: '5', variant: 'canary', status: 'error', code: 'INTERNAL' }),
    ]);
  });

  it('logs inputs and outputs only with payloads on', async () => {
    const { telemetry, records } = telemetryUnderTest({ payloads: true });
    await telemetry.observe(
      { model: 'm', inputs: [{ a: 1 }] },
      async () => answer,
      (a) => a.predictions,
    );
    await telemetry.close();
    expect(records()).toEqual([expect.objectContaining({ inputs: [{ a: 1 }], outputs: [{ label: 'x' }] })]);
  });

  it('logs the sampled share of requests but summarises all of them', async () => {
    let draw = 0;
    const { telemetry, sent, records } = telemetryUnderTest({ sample: 0.25, random: () => (draw++ % 4) / 4 });
    for (let i = 0; i < 8; i++) await telemetry.observe({ model: 'm' }, async () => answer);
    await telemetry.close();
    expect(records()).toHaveLength(2);
    const summaries = sent
      .filter((s) => s.subject.endsWith('.metrics'))
      .map((s) => metricSummarySchema.parse(JSON.parse(s.data)));
    expect(summaries).toEqual([
      expect.objectContaining({ site: 'edge', model: 'm', version: '2', requests: 8, errors: 0 }),
    ]);
  });

  it('publishes the events it is given on the site events subject, each with its id, retried until taken', async () => {
    const { telemetry, sent, nats } = telemetryUnderTest();
    nats.down = true;
    telemetry.report({ kind: 'switched', model: 'm', version: '3' });
    telemetry.report({ kind: 'rolled-back', model: 'm', version: '3' });
    await settle();
    expect(sent).toEqual([]);
    nats.down = false;
    await telemetry.close();
    const events = sent.filter((s) => s.subject === 'aviary.v1.telemetry.edge.events');
    expect(events.map((s) => JSON.parse(s.data).kind)).toEqual(['switched', 'rolled-back']);
    expect(new Set(events.map((s) => s.id)).size).toBe(2);
  });

  it('retries a message its NATS did not take under the same message id, and loses nothing', async () => {
    const { telemetry, attempts, sent, nats, records } = telemetryUnderTest({ batchRecords: 2 });
    nats.down = true;
    for (let i = 0; i < 4; i++) await telemetry.observe({ model: 'm' }, async () => answer);
    await settle();
    expect(sent).toEqual([]);
    nats.down = false;
    await settle();
    await telemetry.close();
    expect(records()).toHaveLength(4);
    expect(new Set(attempts)).toEqual(new Set(sent.map((s) => s.id)));
    expect(attempts.length).toBeGreaterThan(sent.length);
  });
});
