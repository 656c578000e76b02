import { AviaryError, ERROR_CODES, ErrorCode } from '@aviary/contracts';
import { status } from '@grpc/grpc-js';
import { grpcFailureOf, grpcStatusOf } from './grpc-status';

describe('grpcStatusOf', () => {
  const expected: Record<ErrorCode, status> = {
    INVALID_ARGUMENT: status.INVALID_ARGUMENT,
    NOT_FOUND: status.NOT_FOUND,
    FAILED_PRECONDITION: status.FAILED_PRECONDITION,
    PAYLOAD_TOO_LARGE: status.RESOURCE_EXHAUSTED,
    UNSUPPORTED_MEDIA_TYPE: status.INVALID_ARGUMENT,
    UNAVAILABLE: status.UNAVAILABLE,
    DEADLINE_EXCEEDED: status.DEADLINE_EXCEEDED,
    INTERNAL: status.INTERNAL,
  };

  it.each(ERROR_CODES.map((code) => [code, status[expected[code]], expected[code]]))(
    'maps %s to %s (%i)',
    (code, _name, grpc) => {
      expect(grpcStatusOf(code)).toBe(grpc);
    },
  );

  it('uses the standard gRPC status numbers', () => {
    expect(ERROR_CODES.map(grpcStatusOf)).toEqual([3, 5, 8, 3, 9, 14, 4, 13]);
  });
});

describe('grpcFailureOf', () => {
  it('keeps the message of an Aviary error, so the client reads what was wrong', () => {
    expect(grpcFailureOf(new AviaryError('unknown model "nope"', 'NOT_FOUND'))).toEqual({
      code: status.NOT_FOUND,
      details: 'unknown model "nope"',
    });
  });

  it('turns anything else into INTERNAL', () => {
    expect(grpcFailureOf(new TypeError('x is undefined'))).toEqual({
      code: status.INTERNAL,
      details: 'x is undefined',
    });
    expect(grpcFailureOf('boom')).toEqual({ code: status.INTERNAL, details: 'boom' });
  });
});
