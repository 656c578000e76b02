// One predict request is one trace across gateway, preprocessor and inference, with correct parent/child links,
// as exported over OTLP/HTTP by the real services; requests that share a batch are linked from its span.
import { startStack, Stack, waitFor } from '@aviary/testing';
import { OtlpReceiver, ReceivedSpan } from './otlp-receiver';
import { FLIGHT, getJson, postJson } from './support';

// OTLP span kinds: 2 = SERVER, 3 = CLIENT, 5 = CONSUMER.
const SERVER = 2;
const CLIENT = 3;
const CONSUMER = 5;

describe('tracing', () => {
  const receiver = new OtlpReceiver();
  let stack: Stack;

  beforeAll(async () => {
    const endpoint = await receiver.start();
    stack = await startStack({ env: { OTEL_EXPORTER_OTLP_ENDPOINT: endpoint, OTEL_BSP_SCHEDULE_DELAY: '100' } });
    await stack.waitForModel('flight-delay');
  });

  afterAll(async () => {
    await stack?.stop();
    await receiver.stop();
  });

  it('links gateway -> preprocessor -> inference spans in one trace', async () => {
    const response = await postJson(`${stack.gateway.httpUrl}/v1/models/flight-delay/predict`, { instances: [FLIGHT] });
    expect(response.status).toBe(200);
    const traceId: string = response.body.traceId;

    const find = (service: string, kind: number, name: RegExp) =>
      receiver.trace(traceId).find((s) => s.service === service && s.kind === kind && name.test(s.name));
    await waitFor(
      'the spans of all three services',
      async () =>
        !!find('inference', CONSUMER, /infer/) &&
        !!find('preprocessor', CONSUMER, /predict/) &&
        !!find('gateway', SERVER, /predict/),
      10_000,
    );

    const root = find('gateway', SERVER, /^POST \/v1\/models\/:model\/predict$/) as ReceivedSpan;
    expect(root.parentSpanId).toBeUndefined();
    const toPreprocessor = find('gateway', CLIENT, /^send aviary\.v1\.predict\.flight-delay\.2$/) as ReceivedSpan;
    const inPreprocessor = find('preprocessor', CONSUMER, /^process aviary\.v1\.predict\.\*\.\*$/) as ReceivedSpan;
    const toInference = find('preprocessor', CLIENT, /^send aviary\.v1\.infer\.flight-delay\.2$/) as ReceivedSpan;
    expect(toPreprocessor.parentSpanId).toBe(root.spanId);
    expect(inPreprocessor.parentSpanId).toBe(toPreprocessor.spanId);
    expect(toInference.parentSpanId).toBe(inPreprocessor.spanId);
    expect(find('inference', CONSUMER, /infer/)!.parentSpanId).toBe(toInference.spanId);
    // The gateway no longer handles tensors on this path.
    expect(receiver.trace(traceId).some((s) => s.service === 'gateway' && /infer/.test(s.name))).toBe(false);
  });

  it("continues the caller's trace when the request carries a traceparent header", async () => {
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    const response = await postJson(
      `${stack.gateway.httpUrl}/v1/models/flight-delay/predict`,
      { instances: [FLIGHT] },
      { traceparent: `00-${traceId}-00f067aa0ba902b7-01` },
    );
    expect(response.body.traceId).toBe(traceId);
    await waitFor(
      'the continued trace',
      async () =>
        receiver.trace(traceId).some((s) => s.service === 'inference') &&
        receiver.trace(traceId).some((s) => s.kind === SERVER),
      10_000,
    );
    expect(receiver.trace(traceId).find((s) => s.kind === SERVER)!.parentSpanId).toBe('00f067aa0ba902b7');
  });

  describe('Open Inference Protocol infer', () => {
    let width: number;
    const infer = (traceId: string, row: number) =>
      postJson(
        `${stack.gateway.httpUrl}/v2/models/flight-delay/versions/2/infer`,
        { inputs: [{ name: 'features', datatype: 'FP32', shape: [1, width], data: new Array(width).fill(row) }] },
        { traceparent: `00-${traceId}-00f067aa0ba902b7-01` },
      );
    const traceIdOf = (n: number) => n.toString(16).padStart(32, 'a');

    beforeAll(async () => {
      width = (await getJson(`${stack.gateway.httpUrl}/v2/models/flight-delay/versions/2`)).body.inputs[0].shape[1];
    });

    it('keeps a lone request one trace of plain parent/child links', async () => {
      const traceId = traceIdOf(1);
      expect((await infer(traceId, 0.5)).status).toBe(200);
      const find = (service: string, kind: number) =>
        receiver.trace(traceId).find((s) => s.service === service && s.kind === kind);
      // Services export on their own schedules: wait for every span the checks read.
      await waitFor(
        'the infer spans',
        async () => !!find('inference', CONSUMER) && !!find('gateway', SERVER) && !!find('gateway', CLIENT),
        10_000,
      );
      const root = find('gateway', SERVER) as ReceivedSpan;
      const toInference = find('gateway', CLIENT) as ReceivedSpan;
      expect(root.parentSpanId).toBe('00f067aa0ba902b7');
      expect(toInference).toMatchObject({ name: 'send aviary.v1.infer.flight-delay.2', parentSpanId: root.spanId });
      expect(find('inference', CONSUMER)?.parentSpanId).toBe(toInference.spanId);
    });

    it('runs requests that share a call under one batch span linked to every request it served', async () => {
      const isBatch = (s: ReceivedSpan) => s.service === 'gateway' && s.name === 'infer batch flight-delay.2';
      // Whether requests share a batch depends on how they arrive, so bursts repeat (bounded) until some do.
      for (let burst = 0; burst < 5 && !receiver.spans.some(isBatch); burst++) {
        const responses = await Promise.all(
          Array.from({ length: 20 }, (_, i) => infer(traceIdOf(100 * (burst + 1) + i), i)),
        );
        expect(responses.map((r) => r.status)).toEqual(new Array(20).fill(200));
        await new Promise((resolve) => setTimeout(resolve, 500)); // one OTLP export period and then some
      }
      const batch = receiver.spans.find(isBatch) as ReceivedSpan;
      expect(batch).toBeDefined();
      expect(batch.links.length).toBeGreaterThan(1);
      const requests = batch.links.map(
        (link) =>
          receiver.trace(link.traceId).find((s) => s.service === 'gateway' && s.kind === SERVER) as ReceivedSpan,
      );
      expect(batch.links.map((l) => l.spanId)).toEqual(requests.map((r) => r?.spanId));
      expect(batch).toMatchObject({ traceId: requests[0].traceId, parentSpanId: requests[0].spanId });
      const toInference = receiver.spans.find((s) => s.kind === CLIENT && s.parentSpanId === batch.spanId);
      expect(toInference?.name).toBe('send aviary.v1.infer.flight-delay.2');
    });
  });
});
