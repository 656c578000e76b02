// One SERVER span per REST request (continuing the caller's W3C trace when it sends one), request metrics by route
// and model, and a log line for each failed request under its trace id. The request's work runs inside the span's
// context, so every NATS call becomes its child.
import type { Logger } from '@aviary/telemetry/core';
import { Context, context, propagation, Span, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { IncomingHttpHeaders } from 'node:http';
import { outcomeOfHttpStatus, requestDuration, requestsTotal } from './request-metrics';
import type { RestFailure } from './rest-failure';

export interface RequestStart {
  method: string;
  /** The route pattern, e.g. /v1/models/:model/predict: a metric label, never the raw URL. */
  route: string;
  path: string;
  headers: IncomingHttpHeaders;
  /** The model named in the URL, if any. */
  model?: string;
}

/** The door's side of its requests' telemetry. */
export interface TelemetryScope {
  /** Keeps label values to registered names: a made-up name in a URL must not mint a new metric series. */
  isModel(name: string): boolean;
  /** Where failed requests are logged. */
  log: Logger;
}

export class RequestTelemetry {
  /** The context to run the request's work in. */
  readonly context: Context;
  private readonly span: Span;
  private readonly label: string;
  private readonly stopTimer: () => void;

  constructor(
    private readonly start: RequestStart,
    private readonly scope: TelemetryScope,
  ) {
    const parent = propagation.extract(context.active(), start.headers);
    this.span = trace.getTracer('aviary').startSpan(
      `${start.method} ${start.route}`,
      {
        kind: SpanKind.SERVER,
        attributes: { 'http.request.method': start.method, 'http.route': start.route, 'url.path': start.path },
      },
      parent,
    );
    this.context = trace.setSpan(parent, this.span);
    this.label = start.model && scope.isModel(start.model) ? start.model : '';
    this.stopTimer = requestDuration.startTimer({ route: start.route, model: this.label });
  }

  get traceId(): string {
    return this.span.spanContext().traceId;
  }

  /** Marks the span failed and logs the failure under the request's trace id, an unexpected one with its stack. */
  failed({ status, message, unexpected }: RestFailure): void {
    this.span.setStatus({ code: SpanStatusCode.ERROR, message });
    const { method, route, model } = this.start;
    const log = this.scope.log;
    context.with(this.context, () => {
      if (unexpected !== undefined) log.error({ method, route, model, status, err: unexpected }, 'unexpected error');
      else log[status >= 500 ? 'warn' : 'info']({ method, route, model, status, error: message }, 'request failed');
    });
  }

  finish(status: number): void {
    this.span.setAttribute('http.response.status_code', status);
    this.span.end();
    this.stopTimer();
    requestsTotal.inc({
      route: this.start.route,
      model: this.label,
      code: String(status),
      outcome: outcomeOfHttpStatus(status),
    });
  }
}

const TELEMETRY = Symbol('aviary.requestTelemetry');
type TracedRequest = FastifyRequest & { [TELEMETRY]?: RequestTelemetry };

/** Request telemetry for every route Fastify serves, as hooks: cheaper than a Nest interceptor (no rxjs). */
export function installRequestTelemetry(fastify: FastifyInstance, scope: TelemetryScope): void {
  fastify.addHook('onRequest', (request: TracedRequest, _reply, done) => {
    const telemetry = new RequestTelemetry(
      {
        method: request.method,
        route: request.routeOptions.url ?? request.url,
        path: request.url,
        headers: request.headers,
        model: (request.params as Record<string, string> | undefined)?.model,
      },
      scope,
    );
    request[TELEMETRY] = telemetry;
    // Fastify binds body parsing and the handler to the async context they start in: this one.
    context.with(telemetry.context, done);
  });

  fastify.addHook('onResponse', (request: TracedRequest, reply, done) => {
    request[TELEMETRY]?.finish(reply.statusCode);
    done();
  });
}

/** The telemetry of a request Fastify serves, for the error filter. */
export function telemetryOf(request: FastifyRequest): RequestTelemetry | undefined {
  return (request as TracedRequest)[TELEMETRY];
}
