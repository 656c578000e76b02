// Every REST error leaves as {"error": "..."} with the status its code maps to, marked on the request's span and
// logged under its trace id.
import { AviaryError, toAviaryError } from '@aviary/contracts';
import { ArgumentsHost, Catch, ExceptionFilter, HttpException } from '@nestjs/common';
import { FastifyReply, FastifyRequest } from 'fastify';
import { httpStatusOf } from './http-status';
import { telemetryOf } from './request-telemetry';

@Catch()
export class ErrorFilter implements ExceptionFilter {
  catch(thrown: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const [status, message] = describe(thrown);
    telemetryOf(http.getRequest<FastifyRequest>())?.failed(status, message);
    void http.getResponse<FastifyReply>().status(status).send({ error: message });
  }
}

export function describe(thrown: unknown): [number, string] {
  // Nest hands Fastify's own errors (malformed JSON, body too large) to this filter as HttpExceptions too.
  if (thrown instanceof HttpException) {
    const status = thrown.getStatus();
    if (status === 413) return [413, 'request body is larger than the limit set by AVIARY_MAX_BODY_BYTES'];
    const body = thrown.getResponse();
    const message =
      typeof body === 'string'
        ? body
        : ((body as { message?: string; error?: string }).message ??
          (body as { error?: string }).error ??
          thrown.message);
    return [status, String(message)];
  }
  const error: AviaryError = toAviaryError(thrown);
  return [httpStatusOf(error.code), error.message];
}
