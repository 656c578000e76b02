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
  const traceId = '0af7651916cd43dd8448eb211c80319c';

  it('keeps the message of an Aviary error, so the client reads what was wrong', () => {
    expect(grpcFailureOf(new AviaryError('unknown model "nope"', 'NOT_FOUND'), traceId)).toEqual({
      code: status.NOT_FOUND,
      details: 'unknown model "nope"',
    });
  });

  it('turns anything else into INTERNAL that tells only where to look', () => {
    const details = `internal error; see the gateway log, trace id ${traceId}`;
    expect(grpcFailureOf(new TypeError('x is undefined'), traceId)).toEqual({ code: status.INTERNAL, details });
    expect(grpcFailureOf('boom', traceId)).toEqual({ code: status.INTERNAL, details });
  });
});
