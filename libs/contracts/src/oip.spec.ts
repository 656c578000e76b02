import { AviaryError } from './errors';
import { OipInput, oipInferRequestSchema, tensorFromJson, tensorToJson } from './oip';
import { Datatype } from './tensor';

const input = (datatype: string, shape: number[], data: unknown, name = 'x'): OipInput => ({
  name,
  datatype,
  shape,
  data,
});

function rejection(value: OipInput): AviaryError {
  try {
    tensorFromJson(value);
  } catch (e) {
    expect(e).toBeInstanceOf(AviaryError);
    return e as AviaryError;
  }
  throw new Error('expected tensorFromJson to throw');
}

describe('tensorFromJson', () => {
  it.each<[Datatype, unknown[], unknown]>([
    ['UINT8', [0, 255], Uint8Array.from([0, 255])],
    ['UINT16', [0, 65535], Uint16Array.from([0, 65535])],
    ['UINT32', [0, 4294967295], Uint32Array.from([0, 4294967295])],
    ['INT8', [-128, 127], Int8Array.from([-128, 127])],
    ['INT16', [-32768, 32767], Int16Array.from([-32768, 32767])],
    ['INT32', [-2147483648, 2147483647], Int32Array.from([-2147483648, 2147483647])],
    ['INT64', [-5, 7], BigInt64Array.from([-5n, 7n])],
    ['UINT64', [0, 7], BigUint64Array.from([0n, 7n])],
    ['FP32', [1.5, -2.25], Float32Array.from([1.5, -2.25])],
    ['FP64', [0.1, -1e300], Float64Array.from([0.1, -1e300])],
    ['BOOL', [true, false], Uint8Array.from([1, 0])],
    ['FP16', [1, -2], Uint16Array.from([0x3c00, 0xc000])],
    ['BYTES', ['a', ''], ['a', '']],
  ])('turns %s JSON data into the matching typed data', (datatype, data, expected) => {
    const tensor = tensorFromJson(input(datatype, [2], data));
    expect(tensor).toEqual({ name: 'x', datatype, shape: [2], data: expected });
  });

  it('accepts nested row-major data and flat data alike', () => {
    const nested = tensorFromJson(
      input(
        'FP32',
        [2, 3],
        [
          [1, 2, 3],
          [4, 5, 6],
        ],
      ),
    );
    const flat = tensorFromJson(input('FP32', [2, 3], [1, 2, 3, 4, 5, 6]));
    expect(nested).toEqual(flat);
    expect(Array.from(nested.data as Float32Array)).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('accepts INT64 and UINT64 beyond 2^53 as decimal strings, exactly', () => {
    const int64 = tensorFromJson(input('INT64', [2], ['9223372036854775807', '-9223372036854775808']));
    expect(Array.from(int64.data as BigInt64Array)).toEqual([9223372036854775807n, -9223372036854775808n]);
    const uint64 = tensorFromJson(input('UINT64', [1], ['18446744073709551615']));
    expect(Array.from(uint64.data as BigUint64Array)).toEqual([18446744073709551615n]);
  });

  it('rejects a datatype it does not know, listing the ones it does', () => {
    const error = rejection(input('FLOAT', [1], [1]));
    expect(error.code).toBe('INVALID_ARGUMENT');
    expect(error.message).toBe(
      'input "x": unknown datatype "FLOAT"; expected one of BOOL, UINT8, UINT16, UINT32, UINT64, INT8, INT16, INT32, INT64, FP16, FP32, FP64, BYTES',
    );
  });

  it('rejects data whose element count does not match the shape', () => {
    expect(rejection(input('FP32', [2, 2], [1, 2, 3])).message).toBe('input "x": shape [2,2] needs 4 elements, got 3');
    expect(rejection(input('FP32', [1], [[1, 2]])).message).toBe('input "x": shape [1] needs 1 elements, got 2');
  });

  it.each<[string, OipInput, string]>([
    ['a string in FP32 data', input('FP32', [3], [1, 2, 'abc']), 'input "x": element 2 must be a number, got "abc"'],
    ['a null in FP64 data', input('FP64', [2], [1, null]), 'input "x": element 1 must be a number, got null'],
    ['a number in BOOL data', input('BOOL', [2], [true, 1]), 'input "x": element 1 must be true or false, got 1'],
    ['a number in BYTES data', input('BYTES', [2], ['a', 5]), 'input "x": element 1 must be a string, got 5'],
    ['a fraction in INT32 data', input('INT32', [1], [1.5]), 'input "x": element 0 must be an integer, got 1.5'],
    ['a numeric string in INT32 data', input('INT32', [1], ['3']), 'input "x": element 0 must be an integer, got "3"'],
    ['a fraction in INT64 data', input('INT64', [1], [2.5]), 'input "x": element 0 must be an integer, got 2.5'],
    [
      'a non-decimal string in INT64 data',
      input('INT64', [1], ['12a']),
      'input "x": element 0 must be an integer, got "12a"',
    ],
    [
      'an unsafe JSON number in INT64 data',
      input('INT64', [1], [2 ** 60]),
      'input "x": element 0 must be an integer, got 1152921504606847000',
    ],
    [
      'an object in UINT8 data',
      input('UINT8', [1], [{ a: 1 }]),
      'input "x": element 0 must be an integer, got {"a":1}',
    ],
  ])('rejects %s, naming the element and what it got', (_case, value, message) => {
    const error = rejection(value);
    expect(error.code).toBe('INVALID_ARGUMENT');
    expect(error.message).toBe(message);
  });

  it.each<[Datatype, number, string]>([
    ['UINT8', 256, '[0, 255]'],
    ['UINT8', -1, '[0, 255]'],
    ['UINT16', 65536, '[0, 65535]'],
    ['UINT32', 4294967296, '[0, 4294967295]'],
    ['INT8', 128, '[-128, 127]'],
    ['INT8', -129, '[-128, 127]'],
    ['INT16', 32768, '[-32768, 32767]'],
    ['INT32', -2147483649, '[-2147483648, 2147483647]'],
  ])('rejects %s value %d outside %s', (datatype, value, range) => {
    expect(rejection(input(datatype, [1], [value])).message).toBe(
      `input "x": element 0 must be an integer in ${range} for ${datatype}, got ${value}`,
    );
  });

  it.each<[Datatype, number]>([
    ['FP32', 1e39],
    ['FP16', 70000],
  ])('rejects a finite %s value %d that the datatype can only hold as infinity', (datatype, value) => {
    // The header promises a range check for every element; silently turning 1e39 into Infinity corrupts the input.
    expect(rejection(input(datatype, [1], [value])).code).toBe('INVALID_ARGUMENT');
  });

  it.each<[Datatype, string]>([
    ['INT64', '9223372036854775808'],
    ['INT64', '-9223372036854775809'],
    ['UINT64', '18446744073709551616'],
    ['UINT64', '-1'],
  ])('rejects %s value %s outside its range', (datatype, value) => {
    expect(rejection(input(datatype, [1], [value])).message).toBe(
      `input "x": element 0 must be an integer in the ${datatype} range, got "${value}"`,
    );
  });
});

describe('tensorToJson', () => {
  it('writes BOOL as true/false, FP16 as numbers and small INT64 as numbers', () => {
    expect(tensorToJson({ name: 'b', datatype: 'BOOL', shape: [3], data: Uint8Array.from([1, 0, 1]) }).data).toEqual([
      true,
      false,
      true,
    ]);
    expect(
      tensorToJson({ name: 'h', datatype: 'FP16', shape: [2], data: Uint16Array.from([0x3c00, 0xc000]) }).data,
    ).toEqual([1, -2]);
    expect(
      tensorToJson({ name: 'i', datatype: 'INT64', shape: [2], data: BigInt64Array.from([-3n, 4n]) }).data,
    ).toEqual([-3, 4]);
  });

  it('writes 64-bit integers that JSON numbers cannot hold exactly as decimal strings', () => {
    const out = tensorToJson({
      name: 'i',
      datatype: 'INT64',
      shape: [3],
      data: BigInt64Array.from([9223372036854775807n, -9223372036854775808n, 2n ** 53n + 1n]),
    });
    expect(out.data).toEqual(['9223372036854775807', '-9223372036854775808', '9007199254740993']);
    const unsigned = tensorToJson({
      name: 'u',
      datatype: 'UINT64',
      shape: [1],
      data: BigUint64Array.from([18446744073709551615n]),
    });
    expect(unsigned.data).toEqual(['18446744073709551615']);
  });

  it('keeps name, datatype and shape', () => {
    const out = tensorToJson({
      name: 'probabilities',
      datatype: 'FP32',
      shape: [1, 2],
      data: Float32Array.from([0.25, 0.75]),
    });
    expect(out).toEqual({ name: 'probabilities', datatype: 'FP32', shape: [1, 2], data: [0.25, 0.75] });
  });
});

describe('JSON round trip', () => {
  it.each<[Datatype, unknown[]]>([
    ['BOOL', [true, false]],
    ['UINT8', [0, 255]],
    ['UINT16', [0, 65535]],
    ['UINT32', [0, 4294967295]],
    ['UINT64', [0, 9007199254740991, '18446744073709551615']],
    ['INT8', [-128, 127]],
    ['INT16', [-32768, 32767]],
    ['INT32', [-2147483648, 2147483647]],
    ['INT64', [-9007199254740991, 9007199254740991, '-9223372036854775808', '9223372036854775807']],
    ['FP16', [1, -2, 65504, 0.5, 2 ** -24]],
    ['FP32', [1.5, -0.25, 2 ** 100]],
    ['FP64', [0.1, -1e300]],
    ['BYTES', ['', 'héllo', '🦜 aviary']],
  ])('reads back %s data unchanged', (datatype, data) => {
    const back = tensorToJson(tensorFromJson(input(datatype, [data.length], data)));
    expect(back.data).toEqual(data);
  });

  it('reads back the 64-bit integers at ±2^53 it writes itself', () => {
    // tensorToJson writes these as JSON numbers; tensorFromJson must then accept them.
    const written = tensorToJson({
      name: 'i',
      datatype: 'INT64',
      shape: [2],
      data: BigInt64Array.from([2n ** 53n, -(2n ** 53n)]),
    });
    const read = tensorFromJson({ name: 'i', datatype: 'INT64', shape: [2], data: written.data });
    expect(Array.from(read.data as BigInt64Array)).toEqual([2n ** 53n, -(2n ** 53n)]);
  });
});

describe('oipInferRequestSchema', () => {
  it('accepts a KServe V2 request with an id and outputs', () => {
    const request = {
      id: 'r1',
      inputs: [{ name: 'x', shape: [1, 2], datatype: 'FP32', data: [[1, 2]] }],
      outputs: [{ name: 'probabilities' }],
    };
    expect(oipInferRequestSchema.safeParse(request).success).toBe(true);
  });

  it('rejects a request with no inputs or a negative dimension', () => {
    expect(oipInferRequestSchema.safeParse({ inputs: [] }).success).toBe(false);
    expect(
      oipInferRequestSchema.safeParse({ inputs: [{ name: 'x', shape: [-1], datatype: 'FP32', data: [] }] }).success,
    ).toBe(false);
  });
});
