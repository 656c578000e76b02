// Every REST error leaves as {"error": "..."} (a rejected flag set or rollout adds every "problems" entry) with the
// status its code maps to, marked on the request's span and logged under its trace id. (OFREP's routes answer in
// their own shape from the direct routes.)
import { FlagSetRejected } from '@aviary/flags-engine';
import { RestFailure, restFailureOf as aviaryFailureOf, telemetryOf } from '@aviary/rest-door';
import { RolloutRejected } from '@aviary/rollout';
import { ArgumentsHost, Catch, ExceptionFilter, HttpException } from '@nestjs/common';
import { FastifyReply, FastifyRequest } from 'fastify';

@Catch()
export class ErrorFilter implements ExceptionFilter {
  catch(thrown: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const request = http.getRequest<FastifyRequest>();
    const telemetry = telemetryOf(request);
    const failure = restFailureOf(thrown, telemetry?.traceId);
    telemetry?.failed(failure);
    const reply = http.getResponse<FastifyReply>().status(failure.status);
    void reply.send(restBodyOf(failure, thrown));
  }
}

/** `{error}`; a rejected flag set or rollout adds every problem, so a client can show them all at once. */
export function restBodyOf(failure: RestFailure, thrown: unknown) {
  const rejected = thrown instanceof FlagSetRejected || thrown instanceof RolloutRejected;
  return { error: failure.message, ...(rejected && { problems: thrown.problems }) };
}

export function restFailureOf(thrown: unknown, traceId: string | undefined): RestFailure {
  // Nest hands Fastify's own errors (malformed JSON, body too large) to this filter as HttpExceptions too.
  if (thrown instanceof HttpException) {
    const status = thrown.getStatus();
    if (status === 413)
      return { status, message: 'request body is larger than the limit set by AVIARY_MAX_BODY_BYTES' };
    const body = thrown.getResponse();
    const message =
      typeof body === 'string'
        ? body
        : ((body as { message?: string; error?: string }).message ??
          (body as { error?: string }).error ??
          thrown.message);
    return { status, message: String(message) };
  }
  return aviaryFailureOf(thrown, traceId, 'gateway');
}
