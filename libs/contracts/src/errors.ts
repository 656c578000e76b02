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

/** Wraps anything thrown into an AviaryError, so a bug surfaces as INTERNAL instead of leaking a stack. */
export function toAviaryError(error: unknown): AviaryError {
  if (error instanceof AviaryError) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new AviaryError(message, 'INTERNAL');
}
