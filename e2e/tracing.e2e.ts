// One predict request is one trace across gateway, preprocessor and inference, with correct parent/child links,
// as exported over OTLP/HTTP by the real services.
import { startStack, Stack, waitFor } from '@aviary/testing';
import { OtlpReceiver, ReceivedSpan } from './otlp-receiver';
import { FLIGHT, postJson } from './support';

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

  it('links gateway -> preprocessor and gateway -> inference spans in one trace', async () => {
    const response = await postJson(`${stack.gateway.httpUrl}/v1/models/flight-delay/predict`, { instances: [FLIGHT] });
    expect(response.status).toBe(200);
    const traceId: string = response.body.traceId;

    const find = (service: string, kind: number, name: RegExp) =>
      receiver.trace(traceId).find((s) => s.service === service && s.kind === kind && name.test(s.name));
    await waitFor(
      'the spans of all three services',
      async () =>
        !!find('inference', CONSUMER, /infer/) &&
        !!find('preprocessor', CONSUMER, /preprocess/) &&
        !!find('gateway', SERVER, /predict/),
      10_000,
    );

    const root = find('gateway', SERVER, /^POST \/v1\/models\/:model\/predict$/) as ReceivedSpan;
    expect(root.parentSpanId).toBeUndefined();
    const toPreprocessor = find('gateway', CLIENT, /^send aviary\.v1\.preprocess\.flight-delay\.2$/) as ReceivedSpan;
    const toInference = find('gateway', CLIENT, /^send aviary\.v1\.infer\.flight-delay\.2$/) as ReceivedSpan;
    expect(toPreprocessor.parentSpanId).toBe(root.spanId);
    expect(toInference.parentSpanId).toBe(root.spanId);
    expect(find('preprocessor', CONSUMER, /preprocess/)!.parentSpanId).toBe(toPreprocessor.spanId);
    expect(find('inference', CONSUMER, /infer/)!.parentSpanId).toBe(toInference.spanId);
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
      async () => receiver.trace(traceId).some((s) => s.service === 'inference'),
      10_000,
    );
    expect(receiver.trace(traceId).find((s) => s.kind === SERVER)!.parentSpanId).toBe('00f067aa0ba902b7');
  });
});
