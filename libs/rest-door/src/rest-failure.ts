// What a REST door answers for a thrown error: the status its code maps to and a message safe to send.
import { AviaryError, toAviaryError } from '@aviary/contracts';
import { httpStatusOf } from './http-status';

export interface RestFailure {
  status: number;
  message: string;
  /** Set when the error was not one the code raised on purpose: logged with its stack, never sent. */
  unexpected?: unknown;
}

/** `service` names the log an unexpected error's message points to, with the request's trace id. */
export function restFailureOf(thrown: unknown, traceId: string | undefined, service: string): RestFailure {
  const error: AviaryError = toAviaryError(thrown, { log: `the ${service} log`, traceId });
  return {
    status: httpStatusOf(error.code),
    message: error.message,
    ...(!(thrown instanceof AviaryError) && { unexpected: thrown }),
  };
}
