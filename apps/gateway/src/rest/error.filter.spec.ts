import { AviaryError } from '@aviary/contracts';
import { HttpException } from '@nestjs/common';
import { FlagSetRejected } from '@aviary/flags-engine';
import { ofrepFailureOf, restBodyOf, restFailureOf } from './error.filter';

const TRACE_ID = '0af7651916cd43dd8448eb211c80319c';

describe('the REST error mapping', () => {
  it('answers an Aviary error with the status of its code and its own message', () => {
    expect(restFailureOf(new AviaryError('unknown model "nope"', 'NOT_FOUND'), TRACE_ID)).toEqual({
      status: 404,
      message: 'unknown model "nope"',
    });
  });

  it("answers Fastify's 413 naming AVIARY_MAX_BODY_BYTES", () => {
    expect(restFailureOf(new HttpException('Request body is too large', 413), TRACE_ID)).toEqual({
      status: 413,
      message: 'request body is larger than the limit set by AVIARY_MAX_BODY_BYTES',
    });
  });

  it('answers anything unexpected with a bare 500 naming the trace id, and hands the error on to be logged', () => {
    const bug = new RangeError('Maximum call stack size exceeded');
    expect(restFailureOf(bug, TRACE_ID)).toEqual({
      status: 500,
      message: `internal error; see the gateway log, trace id ${TRACE_ID}`,
      unexpected: bug,
    });
  });
});

describe('the REST error body', () => {
  it('lists every problem of a rejected flag set beside the message, with a 400', () => {
    const problems = [
      { flag: 'a', path: '/flags/a/state', message: 'state must be ENABLED or DISABLED, got "ON"' },
      { flag: 'b', path: '/flags/b/defaultVariant', message: 'default variant "x" is not one of the variants (on)' },
    ];
    const rejected = new FlagSetRejected(problems);
    const failure = restFailureOf(rejected, TRACE_ID);
    expect(failure.status).toBe(400);
    expect(restBodyOf(failure, rejected)).toEqual({ error: expect.stringMatching(/^invalid flag set: a/), problems });
    expect(restBodyOf({ status: 404, message: 'nope' }, new Error('x'))).toEqual({ error: 'nope' });
  });
});

describe('the OFREP error mapping', () => {
  it('answers a request Fastify refused (a body that is not JSON) as PARSE_ERROR in OFREP’s shape', () => {
    expect(ofrepFailureOf({ status: 400, message: 'Body is not valid JSON' }, 'f')).toEqual({
      key: 'f',
      errorCode: 'PARSE_ERROR',
      errorDetails: 'Body is not valid JSON',
    });
  });

  it('answers anything unexpected as GENERAL, with the message that names the trace id', () => {
    expect(ofrepFailureOf({ status: 500, message: 'internal error; see the gateway log' }, '')).toMatchObject({
      errorCode: 'GENERAL',
    });
  });
});
