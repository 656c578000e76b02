// Error codes shared by every service: raised where a problem is known, mapped to HTTP / gRPC / NATS in one place per door.
export const ERROR_CODES = [
  'INVALID_ARGUMENT',
  'NOT_FOUND',
  'PAYLOAD_TOO_LARGE',
  'UNSUPPORTED_MEDIA_TYPE',
  'FAILED_PRECONDITION',
  'UNAVAILABLE',
  'DEADLINE_EXCEEDED',
  'INTERNAL',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

export class AviaryError extends Error {
  constructor(
    message: string,
    readonly code: ErrorCode,
  ) {
    super(message);
    this.name = 'AviaryError';
  }

  static isCode(value: unknown): value is ErrorCode {
    return typeof value === 'string' && (ERROR_CODES as readonly string[]).includes(value);
  }
}

export const invalid = (message: string) => new AviaryError(message, 'INVALID_ARGUMENT');
export const notFound = (message: string) => new AviaryError(message, 'NOT_FOUND');

/** Where the caller of a door is sent to read about an unexpected error: a log and the request's trace id. */
export interface ErrorLog {
  /** E.g. "the gateway log". */
  log: string;
  traceId?: string;
}

/**
 * Wraps anything thrown into an AviaryError. An unexpected error's own text (a stack overflow, a TypeError) is a
 * bug's detail, not the caller's: the caller is told where to look and the door logs the error with its stack.
 */
export function toAviaryError(error: unknown, where: ErrorLog): AviaryError {
  if (error instanceof AviaryError) return error;
  return new AviaryError(`internal error; see ${where.log}, trace id ${where.traceId ?? 'none'}`, 'INTERNAL');
}
