// One SERVER span per REST request (continuing the caller's W3C trace when it sends one) and request metrics by
// route and model, as Fastify hooks: cheaper than a Nest interceptor (no rxjs, no AsyncResource per call). The
// rest of the request runs inside the span's context, so every NATS call becomes its child.
import { context, propagation, Span, SpanKind, trace } from '@opentelemetry/api';
import { FastifyInstance, FastifyRequest } from 'fastify';
import { outcomeOfHttpStatus, requestDuration, requestsTotal } from '../request-metrics';

interface RequestTelemetryState {
  span: Span;
  route: string;
  model: string;
  stopTimer: () => void;
}

const STATE = Symbol('aviary.requestTelemetry');
type TracedRequest = FastifyRequest & { [STATE]?: RequestTelemetryState };

/** `isModel` keeps label values to registered names: a made-up name in a URL must not mint a new metric series. */
export function installRequestTelemetry(fastify: FastifyInstance, isModel: (name: string) => boolean): void {
  fastify.addHook('onRequest', (request: TracedRequest, _reply, done) => {
    const route = request.routeOptions.url ?? request.url;
    const named = (request.params as Record<string, string> | undefined)?.model ?? '';
    const parent = propagation.extract(context.active(), request.headers);
    const span = trace.getTracer('aviary').startSpan(
      `${request.method} ${route}`,
      {
        kind: SpanKind.SERVER,
        attributes: { 'http.request.method': request.method, 'http.route': route, 'url.path': request.url },
      },
      parent,
    );
    const model = named && isModel(named) ? named : '';
    request[STATE] = { span, route, model, stopTimer: requestDuration.startTimer({ route, model }) };
    // Fastify binds body parsing and the handler to the async context they start in: this one.
    context.with(trace.setSpan(parent, span), done);
  });

  fastify.addHook('onResponse', (request: TracedRequest, reply, done) => {
    const state = request[STATE];
    if (state) {
      const status = reply.statusCode;
      state.span.setAttribute('http.response.status_code', status);
      state.span.end();
      state.stopTimer();
      requestsTotal.inc({
        route: state.route,
        model: state.model,
        code: String(status),
        outcome: outcomeOfHttpStatus(status),
      });
    }
    done();
  });
}

/** The request's SERVER span, for the error filter to mark and log under. */
export function requestSpan(request: FastifyRequest): Span | undefined {
  return (request as TracedRequest)[STATE]?.span;
}
