import { context, trace } from '@opentelemetry/api';
import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { runForRequests } from './batch-span';

const spans = new InMemorySpanExporter();
new NodeTracerProvider({ spanProcessors: [new SimpleSpanProcessor(spans)] }).register();
const tracer = trace.getTracer('batch-span-spec');

/** Starts a request span and answers its context, as a door would before handing the request on. */
function request(name: string) {
  const span = tracer.startSpan(name);
  return { span, context: trace.setSpan(context.active(), span) };
}

describe('runForRequests', () => {
  beforeEach(() => spans.reset());

  it("runs a lone request's work in its own context, with no batch span", async () => {
    const lone = request('lone');
    const active = await runForRequests('batch', [lone.context], async () => trace.getActiveSpan());
    lone.span.end();
    expect(active).toBe(lone.span);
    expect(spans.getFinishedSpans().map((s) => s.name)).toEqual(['lone']);
  });

  it("runs shared work under one batch span, a child of the first request's, linked to every request", async () => {
    const [a, b, c] = ['a', 'b', 'c'].map(request);
    const active = await runForRequests('batch', [a.context, b.context, c.context], async () => trace.getActiveSpan());
    const [batch] = spans.getFinishedSpans();
    expect(batch.name).toBe('batch');
    expect(active?.spanContext().spanId).toBe(batch.spanContext().spanId);
    expect(batch.parentSpanContext?.spanId).toBe(a.span.spanContext().spanId);
    expect(batch.links.map((l) => l.context.spanId)).toEqual([a, b, c].map((r) => r.span.spanContext().spanId));
    expect(batch.attributes['aviary.batch.requests']).toBe(3);
  });

  it('ends the batch span when the work fails', async () => {
    const [a, b] = ['a', 'b'].map(request);
    await expect(
      runForRequests('batch', [a.context, b.context], async () => Promise.reject(new Error('no replica'))),
    ).rejects.toThrow('no replica');
    expect(spans.getFinishedSpans().map((s) => s.name)).toEqual(['batch']);
  });
});
