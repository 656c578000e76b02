// NATS client errors as typed Aviary errors: the one place that says what each means to a caller.
import { AviaryError } from '@aviary/contracts';
import { ErrorCode as NatsErrorCode, NatsError } from 'nats';

/**
 * The typed error for a NATS failure the caller can act on, or undefined for anything else (which the door logs
 * as unexpected). `what` names the message, e.g. "the message for aviary.v1.infer.m.1" or "the reply on …".
 */
export function natsFailure(error: unknown, what: string): AviaryError | undefined {
  if (error instanceof NatsError) {
    // A message refused for its size is the caller's to fix (ask for less at once), not a fault of a service.
    if (error.code === NatsErrorCode.MaxPayloadExceeded)
      return new AviaryError(
        `${what} is larger than the NATS server's max_payload; send smaller batches`,
        'PAYLOAD_TOO_LARGE',
      );
    if (
      error.code === NatsErrorCode.ConnectionClosed ||
      error.code === NatsErrorCode.ConnectionDraining ||
      error.code === NatsErrorCode.Disconnect
    )
      return new AviaryError(`NATS connection lost: ${what} was not sent`, 'UNAVAILABLE');
  }
  return undefined;
}

/** JetStream's "no message found" (err_code 10037): a sequence deleted, purged or aged out of its stream. */
export function isMissingMessage(error: unknown): boolean {
  return error instanceof NatsError && error.jsError()?.err_code === NO_MESSAGE_FOUND;
}

const NO_MESSAGE_FOUND = 10037;
