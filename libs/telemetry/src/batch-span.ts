// Tracing for work shared by several requests (a micro-batch): each request's trace must still show it.
import { Context, context, Link, trace } from '@opentelemetry/api';

/**
 * Runs work done for the requests that arrived in these contexts. For one request it runs in that request's context,
 * so its trace keeps plain parent/child links; for several, under one span `name` (a child of the first request's)
 * that links every request's span.
 */
export function runForRequests<T>(name: string, requests: readonly Context[], work: () => Promise<T>): Promise<T> {
  if (requests.length === 1) return context.with(requests[0], work);
  const links = requests.flatMap((r): Link[] => {
    const spanContext = trace.getSpanContext(r);
    return spanContext ? [{ context: spanContext }] : [];
  });
  return trace
    .getTracer('aviary')
    .startActiveSpan(
      name,
      { links, attributes: { 'aviary.batch.requests': requests.length } },
      requests[0],
      async (span) => {
        try {
          return await work();
        } finally {
          span.end();
        }
      },
    );
}
