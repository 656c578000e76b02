// Every REST error leaves as {"error": "..."} with the status its code maps to.
import { AviaryError, toAviaryError } from '@aviary/contracts';
import { createLogger } from '@aviary/telemetry';
import { ArgumentsHost, Catch, ExceptionFilter, HttpException } from '@nestjs/common';
import { FastifyReply } from 'fastify';
import { httpStatusOf } from './http-status';

const log = createLogger('gateway');

@Catch()
export class ErrorFilter implements ExceptionFilter {
  catch(thrown: unknown, host: ArgumentsHost): void {
    sendError(host.switchToHttp().getResponse<FastifyReply>(), thrown);
  }
}

export function sendError(reply: FastifyReply, thrown: unknown): void {
  const [status, message] = describe(thrown);
  if (status >= 500) log.warn({ status, error: message }, 'request failed');
  void reply.status(status).send({ error: message });
}

export function describe(thrown: unknown): [number, string] {
  if (thrown instanceof HttpException) {
    const body = thrown.getResponse();
    const message = typeof body === 'string' ? body : ((body as { message?: string; error?: string }).error ?? thrown.message);
    return [thrown.getStatus(), message];
  }
  // Fastify's own errors (malformed JSON, body too large, bad content type) carry a statusCode.
  const fastify = thrown as { statusCode?: number; code?: string; message?: string };
  if (typeof fastify.statusCode === 'number' && typeof fastify.code === 'string' && fastify.code.startsWith('FST_')) {
    return [fastify.statusCode, fastifyMessage(fastify.code, fastify.message ?? '')];
  }
  const error: AviaryError = toAviaryError(thrown);
  return [httpStatusOf(error.code), error.message];
}

function fastifyMessage(code: string, message: string): string {
  switch (code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return `request body is larger than the limit (AVIARY_MAX_BODY_BYTES)`;
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return `unsupported content type; send application/json`;
    default:
      return message.startsWith('Body is not valid JSON') || code === 'FST_ERR_CTP_EMPTY_JSON_BODY' || code === 'FST_ERR_CTP_INVALID_JSON_BODY'
        ? `malformed JSON body: ${message}`
        : message;
  }
}
