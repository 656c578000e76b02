import { context, propagation, trace } from '@opentelemetry/api';
import { currentTraceId, startTracing, tracer } from './tracing';

describe('startTracing without an OTLP endpoint', () => {
  const tracing = startTracing('tracing-spec', { OTEL_BSP_SCHEDULE_DELAY: 1000 });

  afterAll(async () => {
    await tracing.shutdown();
  });

  it('returns the one tracing set-up of the process on every call', () => {
    expect(startTracing('another-name', { OTEL_BSP_SCHEDULE_DELAY: 1000 })).toBe(tracing);
  });

  it('gives the trace id of the active span, and none outside a trace', async () => {
    expect(currentTraceId()).toBeUndefined();
    const [inside, afterAwait] = await tracer().startActiveSpan('work', async (span) => {
      const first = currentTraceId();
      await new Promise((resolve) => setImmediate(resolve));
      const second = currentTraceId();
      span.end();
      return [first, second];
    });
    expect(inside).toMatch(/^[0-9a-f]{32}$/);
    expect(afterAwait).toBe(inside);
    expect(currentTraceId()).toBeUndefined();
  });

  it('propagates W3C trace context, marked not sampled since nothing would export the spans', () => {
    const carrier: Record<string, string> = {};
    const span = tracer().startSpan('outgoing');
    propagation.inject(trace.setSpan(context.active(), span), carrier);
    span.end();
    expect(carrier.traceparent).toBe(`00-${span.spanContext().traceId}-${span.spanContext().spanId}-00`);
  });
});
