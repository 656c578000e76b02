import { AviaryError, ERROR_CODES, invalid, notFound, toAviaryError } from './errors';

describe('AviaryError', () => {
  it('carries its code and message', () => {
    const error = notFound('model "x" has no version "9"');
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe('AviaryError');
    expect(error.code).toBe('NOT_FOUND');
    expect(error.message).toBe('model "x" has no version "9"');
    expect(invalid('bad').code).toBe('INVALID_ARGUMENT');
  });

  it('recognises only its own codes', () => {
    for (const code of ERROR_CODES) expect(AviaryError.isCode(code)).toBe(true);
    expect(AviaryError.isCode('TEAPOT')).toBe(false);
    expect(AviaryError.isCode(undefined)).toBe(false);
  });

  it('passes AviaryErrors through and answers anything else as INTERNAL without its text', () => {
    const typed = new AviaryError('gone', 'UNAVAILABLE');
    const where = { log: 'the gateway log', traceId: '0af7651916cd43dd8448eb211c80319c' };
    expect(toAviaryError(typed, where)).toBe(typed);
    const wrapped = toAviaryError(new RangeError('Maximum call stack size exceeded'), where);
    expect(wrapped).toMatchObject({
      code: 'INTERNAL',
      message: 'internal error; see the gateway log, trace id 0af7651916cd43dd8448eb211c80319c',
    });
    expect(toAviaryError('a string', { log: 'the gateway log' }).message).toBe(
      'internal error; see the gateway log, trace id none',
    );
  });
});
