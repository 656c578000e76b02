// One SERVER span per REST request (continuing the caller's W3C trace when it sends one), with request
// metrics by route and model; the handler runs inside the span so every NATS call becomes its child.
import { CallHandler, ExecutionContext, Injectable, NestInterceptor } from '@nestjs/common';
import { context, propagation, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { FastifyReply, FastifyRequest } from 'fastify';
import { from, lastValueFrom, Observable } from 'rxjs';
import { outcomeOfHttpStatus, requestDuration, requestsTotal } from '../request-metrics';
import { createLogger } from '@aviary/telemetry';
import { ModelCatalog } from '../model-catalog';
import { describe } from './error.filter';

const log = createLogger('gateway');

@Injectable()
export class TracingInterceptor implements NestInterceptor {
  constructor(private readonly catalog: ModelCatalog) {}

  intercept(execution: ExecutionContext, next: CallHandler): Observable<unknown> {
    const http = execution.switchToHttp();
    const request = http.getRequest<FastifyRequest>();
    const reply = http.getResponse<FastifyReply>();
    const route = request.routeOptions.url ?? request.url;
    // Only registered names become label values: a made-up name in a URL must not mint a new metric series.
    const named = (request.params as Record<string, string> | undefined)?.model ?? '';
    const model = named && this.catalog.has(named) ? named : '';
    const parent = propagation.extract(context.active(), request.headers);
    const span = trace.getTracer('aviary').startSpan(
      `${request.method} ${route}`,
      {
        kind: SpanKind.SERVER,
        attributes: { 'http.request.method': request.method, 'http.route': route, 'url.path': request.url },
      },
      parent,
    );
    const stopTimer = requestDuration.startTimer({ route, model });
    const handled = context.with(trace.setSpan(parent, span), () =>
      lastValueFrom(next.handle(), { defaultValue: undefined }),
    );
    return from(
      handled.then(
        (value) => {
          finish(reply.statusCode);
          return value;
        },
        (error: unknown) => {
          const [status, message] = describe(error);
          span.setStatus({ code: SpanStatusCode.ERROR, message });
          // Logged inside the request's span, so the line carries its trace id.
          context.with(trace.setSpan(parent, span), () =>
            log[status >= 500 ? 'warn' : 'info'](
              { method: request.method, route, model: named, status, error: message },
              'request failed',
            ),
          );
          finish(status);
          throw error;
        },
      ),
    );

    function finish(status: number) {
      span.setAttribute('http.response.status_code', status);
      span.end();
      stopTimer();
      requestsTotal.inc({ route, model, code: String(status), outcome: outcomeOfHttpStatus(status) });
    }
  }
}
