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

  it('passes AviaryErrors through and wraps anything else as INTERNAL with its message', () => {
    const typed = new AviaryError('gone', 'UNAVAILABLE');
    expect(toAviaryError(typed)).toBe(typed);
    expect(toAviaryError(new TypeError('x is undefined'))).toMatchObject({
      code: 'INTERNAL',
      message: 'x is undefined',
    });
    expect(toAviaryError('a string')).toMatchObject({ code: 'INTERNAL', message: 'a string' });
  });
});
