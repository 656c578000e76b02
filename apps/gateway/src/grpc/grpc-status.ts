// The one place an Aviary error code becomes a gRPC status.
import { ErrorCode, toAviaryError } from '@aviary/contracts';
import { status } from '@grpc/grpc-js';

export function grpcStatusOf(code: ErrorCode): status {
  switch (code) {
    case 'INVALID_ARGUMENT':
    case 'UNSUPPORTED_MEDIA_TYPE':
      return status.INVALID_ARGUMENT;
    case 'NOT_FOUND':
      return status.NOT_FOUND;
    case 'FAILED_PRECONDITION':
      return status.FAILED_PRECONDITION;
    case 'PAYLOAD_TOO_LARGE':
      return status.RESOURCE_EXHAUSTED;
    case 'INTERNAL':
      return status.INTERNAL;
    case 'UNAVAILABLE':
      return status.UNAVAILABLE;
    case 'DEADLINE_EXCEEDED':
      return status.DEADLINE_EXCEEDED;
  }
}

export interface GrpcFailure {
  code: status;
  details: string;
}

/** Anything a handler throws, as the status and message the client receives (bugs surface as a bare INTERNAL). */
export function grpcFailureOf(thrown: unknown, traceId: string): GrpcFailure {
  const error = toAviaryError(thrown, { log: 'the gateway log', traceId });
  return { code: grpcStatusOf(error.code), details: error.message };
}
