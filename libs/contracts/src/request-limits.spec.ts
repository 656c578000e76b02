import { AviaryError } from './errors';
import {
  checkBytesElements,
  checkJsonText,
  checkRecordCount,
  checkTensorElements,
  RequestLimits,
} from './request-limits';

const limits: RequestLimits = {
  AVIARY_MAX_JSON_DEPTH: 4,
  AVIARY_MAX_PREDICT_RECORDS: 3,
  AVIARY_MAX_TENSOR_ELEMENTS: 10,
  AVIARY_MAX_STRING_BYTES: 8,
};

const text = (json: string) => Buffer.from(json, 'utf8');

function failure(check: () => void): AviaryError {
  try {
    check();
  } catch (error) {
    if (error instanceof AviaryError) return error;
    throw error;
  }
  throw new Error('expected the check to fail');
}

describe('checkJsonText', () => {
  it('accepts a body up to the nesting limit', () => {
    expect(() => checkJsonText(text('{"a":[[{"b":1}]],"c":[]}'), limits)).not.toThrow();
  });

  it('refuses a body nested deeper than AVIARY_MAX_JSON_DEPTH, naming the limit', () => {
    const error = failure(() => checkJsonText(text('{"a":[[[{}]]]}'), limits));
    expect(error.code).toBe('INVALID_ARGUMENT');
    expect(error.message).toContain('deeper than 4 levels');
    expect(error.message).toContain('AVIARY_MAX_JSON_DEPTH');
  });

  it('does not count brackets and braces inside strings, escaped quotes included', () => {
    expect(() => checkJsonText(text('{"k":"[[\\"[[{{"}'), { ...limits, AVIARY_MAX_STRING_BYTES: 64 })).not.toThrow();
  });

  it('scans 5,000 levels of nesting without recursing', () => {
    const deep = '['.repeat(5000) + ']'.repeat(5000);
    expect(failure(() => checkJsonText(text(deep), limits)).code).toBe('INVALID_ARGUMENT');
  });

  it('refuses a string longer than AVIARY_MAX_STRING_BYTES, counted in bytes as sent', () => {
    expect(() => checkJsonText(text('["12345678"]'), limits)).not.toThrow();
    const long = failure(() => checkJsonText(text('["123456789"]'), limits));
    expect(long.code).toBe('PAYLOAD_TOO_LARGE');
    expect(long.message).toContain('AVIARY_MAX_STRING_BYTES');
    // Three characters, nine UTF-8 bytes.
    expect(failure(() => checkJsonText(text('["ééé€"]'), limits)).code).toBe('PAYLOAD_TOO_LARGE');
    // A key is a string too.
    expect(failure(() => checkJsonText(text('{"longer-than-8":1}'), limits)).code).toBe('PAYLOAD_TOO_LARGE');
  });
});

describe('checkRecordCount', () => {
  it('refuses more records than AVIARY_MAX_PREDICT_RECORDS', () => {
    expect(() => checkRecordCount(3, limits)).not.toThrow();
    const error = failure(() => checkRecordCount(4, limits));
    expect(error.code).toBe('PAYLOAD_TOO_LARGE');
    expect(error.message).toBe(
      'the predict request holds 4 records, more than 3, the limit set by AVIARY_MAX_PREDICT_RECORDS',
    );
  });
});

describe('checkTensorElements', () => {
  it('adds up the elements every input declares and refuses more than AVIARY_MAX_TENSOR_ELEMENTS', () => {
    expect(() => checkTensorElements([[2, 3], [4]], limits)).not.toThrow();
    const error = failure(() => checkTensorElements([[2, 3], [5]], limits));
    expect(error.code).toBe('PAYLOAD_TOO_LARGE');
    expect(error.message).toContain('declare 11 elements');
    expect(error.message).toContain('AVIARY_MAX_TENSOR_ELEMENTS');
  });

  it('refuses a shape whose element count overflows', () => {
    expect(failure(() => checkTensorElements([[2 ** 40, 2 ** 40, 2 ** 40]], limits)).code).toBe('PAYLOAD_TOO_LARGE');
  });
});

describe('checkBytesElements', () => {
  it('refuses a BYTES element longer than AVIARY_MAX_STRING_BYTES and ignores other datatypes', () => {
    const bytes = (data: string[]) => ({ name: 'text', datatype: 'BYTES' as const, shape: [data.length], data });
    expect(() => checkBytesElements([bytes(['12345678', 'short'])], limits)).not.toThrow();
    const error = failure(() => checkBytesElements([bytes(['ok', 'ééééé'])], limits));
    expect(error.code).toBe('PAYLOAD_TOO_LARGE');
    expect(error.message).toContain('input "text"');
    expect(() =>
      checkBytesElements([{ name: 'x', datatype: 'FP32', shape: [20], data: new Float32Array(20) }], limits),
    ).not.toThrow();
  });
});
