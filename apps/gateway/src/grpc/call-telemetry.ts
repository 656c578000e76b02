// One SERVER span per gRPC call (continuing the caller's W3C trace from its metadata), with the same request
// metrics as REST; the handler runs inside the span so every NATS call becomes its child.
import { Metadata, status } from '@grpc/grpc-js';
import { AviaryError } from '@aviary/contracts';
import { createLogger } from '@aviary/telemetry';
import { context, propagation, SpanKind, SpanStatusCode, TextMapGetter, trace } from '@opentelemetry/api';
import { Outcome, requestDuration, requestsTotal } from '@aviary/rest-door';
import { GrpcFailure, grpcFailureOf } from './grpc-status';

const log = createLogger('gateway');

/** Failures on the server's side, logged like REST logs its 5xx answers. */
const SERVER_FAULTS = new Set([status.INTERNAL, status.UNAVAILABLE, status.DEADLINE_EXCEEDED]);

const metadataGetter: TextMapGetter<Metadata> = {
  keys: (metadata) => Object.keys(metadata.getMap()),
  get: (metadata, key) => {
    const values = metadata.get(key).filter((v): v is string => typeof v === 'string');
    return values.length > 0 ? values : undefined;
  },
};

export interface ObservedCall {
  service: string;
  method: string;
  /** The model the call is about, '' for server-wide methods. */
  model: string;
  metadata: Metadata;
}

/** Runs `handle` inside the call's span; rejects with the GrpcFailure to send when it throws. */
export async function observeCall<T>(call: ObservedCall, handle: () => Promise<T> | T): Promise<T> {
  const route = `/${call.service}/${call.method}`;
  const parent = propagation.extract(context.active(), call.metadata, metadataGetter);
  const span = trace.getTracer('aviary').startSpan(
    `grpc ${call.service}/${call.method}`,
    {
      kind: SpanKind.SERVER,
      attributes: { 'rpc.system': 'grpc', 'rpc.service': call.service, 'rpc.method': call.method },
    },
    parent,
  );
  const stopTimer = requestDuration.startTimer({ route, model: call.model });
  const finish = (code: status) => {
    span.setAttribute('rpc.grpc.status_code', code);
    span.end();
    stopTimer();
    requestsTotal.inc({ route, model: call.model, code: status[code], outcome: outcomeOfGrpcStatus(code) });
  };
  try {
    const response = await context.with(trace.setSpan(parent, span), handle);
    finish(status.OK);
    return response;
  } catch (thrown) {
    const failure: GrpcFailure = grpcFailureOf(thrown, span.spanContext().traceId);
    span.setStatus({ code: SpanStatusCode.ERROR, message: failure.details });
    finish(failure.code);
    context.with(trace.setSpan(parent, span), () => {
      if (!(thrown instanceof AviaryError)) log.error({ route, err: thrown }, 'unexpected error');
      else if (SERVER_FAULTS.has(failure.code))
        log.warn({ route, code: status[failure.code], error: failure.details }, 'gRPC call failed');
    });
    throw failure;
  }
}

/** Statuses that blame the request, as 4xx does on REST; the rest are the server's failures. */
const CLIENT_STATUSES = new Set([
  status.INVALID_ARGUMENT,
  status.NOT_FOUND,
  status.FAILED_PRECONDITION,
  status.RESOURCE_EXHAUSTED,
  status.OUT_OF_RANGE,
  status.ALREADY_EXISTS,
]);

function outcomeOfGrpcStatus(code: status): Outcome {
  if (code === status.OK) return 'ok';
  return CLIENT_STATUSES.has(code) ? 'client_error' : 'server_error';
}
