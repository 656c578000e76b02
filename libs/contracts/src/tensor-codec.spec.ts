import { AviaryError } from './errors';
import { Tensor } from './tensor';
import { decodeTensors, encodeTensors } from './tensor-codec';

const everyDatatype: Tensor[] = [
  { name: 'bool', datatype: 'BOOL', shape: [3], data: Uint8Array.from([1, 0, 1]) },
  { name: 'u8', datatype: 'UINT8', shape: [2], data: Uint8Array.from([0, 255]) },
  { name: 'u16', datatype: 'UINT16', shape: [2], data: Uint16Array.from([0, 65535]) },
  { name: 'u32', datatype: 'UINT32', shape: [2], data: Uint32Array.from([0, 4294967295]) },
  { name: 'u64', datatype: 'UINT64', shape: [2], data: BigUint64Array.from([0n, 18446744073709551615n]) },
  { name: 'i8', datatype: 'INT8', shape: [2], data: Int8Array.from([-128, 127]) },
  { name: 'i16', datatype: 'INT16', shape: [2], data: Int16Array.from([-32768, 32767]) },
  { name: 'i32', datatype: 'INT32', shape: [2], data: Int32Array.from([-2147483648, 2147483647]) },
  {
    name: 'i64',
    datatype: 'INT64',
    shape: [2],
    data: BigInt64Array.from([-9223372036854775808n, 9223372036854775807n]),
  },
  { name: 'f16', datatype: 'FP16', shape: [2], data: Uint16Array.from([0x3c00, 0x7bff]) },
  { name: 'f32', datatype: 'FP32', shape: [2, 2], data: Float32Array.from([0.5, -1.25, 3, Number.NaN]) },
  { name: 'f64', datatype: 'FP64', shape: [1], data: Float64Array.from([Math.PI]) },
  { name: 'text', datatype: 'BYTES', shape: [4, 1], data: ['', 'naïve café', '鳥 🦜', ''] },
];

function rejection(message: Uint8Array): AviaryError {
  try {
    decodeTensors(message);
  } catch (e) {
    expect(e).toBeInstanceOf(AviaryError);
    return e as AviaryError;
  }
  throw new Error('expected decodeTensors to throw');
}

/** An envelope with a hand-written header and payload, to corrupt at will. */
function envelope(header: string, payload: Uint8Array = new Uint8Array(0)): Uint8Array {
  const headerBytes = new TextEncoder().encode(header);
  const out = new Uint8Array(4 + headerBytes.length + payload.length);
  new DataView(out.buffer).setUint32(0, headerBytes.length, true);
  out.set(headerBytes, 4);
  out.set(payload, 4 + headerBytes.length);
  return out;
}

describe('encodeTensors / decodeTensors', () => {
  it('round-trips one tensor of every datatype, with its metadata', () => {
    const decoded = decodeTensors<{ requestId: string }>(encodeTensors(everyDatatype, { requestId: 'r-1' }));
    expect(decoded.meta).toEqual({ requestId: 'r-1' });
    expect(decoded.tensors).toEqual(everyDatatype);
  });

  it('round-trips no tensors at all', () => {
    expect(decodeTensors(encodeTensors([], { empty: true }))).toEqual({ tensors: [], meta: { empty: true } });
  });

  it('round-trips an empty tensor (a zero dimension)', () => {
    const empty: Tensor = { name: 'none', datatype: 'FP32', shape: [0, 3], data: new Float32Array(0) };
    expect(decodeTensors(encodeTensors([empty])).tensors).toEqual([empty]);
  });

  it('encodes tensors that are views into a larger buffer without the bytes around them', () => {
    const backing = Float32Array.from([9, 1, 2, 9]);
    const view: Tensor = { name: 'x', datatype: 'FP32', shape: [2], data: backing.subarray(1, 3) };
    expect(Array.from(decodeTensors(encodeTensors([view])).tensors[0].data as Float32Array)).toEqual([1, 2]);
  });

  it('decodes an envelope that starts at an odd offset inside a larger buffer', () => {
    const encoded = encodeTensors([{ name: 'x', datatype: 'FP64', shape: [2], data: Float64Array.from([1.5, -2]) }]);
    const larger = new Uint8Array(encoded.length + 3);
    larger.set(encoded, 3);
    const decoded = decodeTensors(larger.subarray(3));
    expect(Array.from(decoded.tensors[0].data as Float64Array)).toEqual([1.5, -2]);
  });

  it('rejects a message too short to hold the header length', () => {
    const error = rejection(Uint8Array.from([1, 0]));
    expect(error.code).toBe('INVALID_ARGUMENT');
    expect(error.message).toBe('tensor envelope is shorter than its header length');
  });

  it('rejects a header length that runs past the message', () => {
    const truncated = encodeTensors(everyDatatype).subarray(0, 20);
    expect(rejection(truncated).message).toBe('tensor envelope header runs past the message');
  });

  it('rejects a header that is not JSON', () => {
    const error = rejection(envelope('{"tensors": ['));
    expect(error.code).toBe('INVALID_ARGUMENT');
    expect(error.message).toBe('tensor envelope header is not JSON');
  });

  it('rejects a header naming an unknown datatype', () => {
    const header = JSON.stringify({ tensors: [{ name: 'x', datatype: 'FLOAT', shape: [1], byteLength: 4 }] });
    expect(rejection(envelope(header, new Uint8Array(4))).message).toBe('tensor "x": unknown datatype "FLOAT"');
  });

  it('rejects a payload shorter than the shape needs', () => {
    const encoded = encodeTensors([{ name: 'x', datatype: 'FP32', shape: [2, 2], data: new Float32Array(4) }]);
    const error = rejection(encoded.subarray(0, encoded.length - 4));
    expect(error.code).toBe('INVALID_ARGUMENT');
    expect(error.message).toBe('tensor "x": shape [2,2] of FP32 needs 16 bytes, got 12');
  });

  it('rejects a header whose shape disagrees with the byte length', () => {
    const header = JSON.stringify({ tensors: [{ name: 'x', datatype: 'INT32', shape: [3], byteLength: 8 }] });
    expect(rejection(envelope(header, new Uint8Array(8))).message).toBe(
      'tensor "x": shape [3] of INT32 needs 12 bytes, got 8',
    );
  });

  it('rejects a truncated BYTES payload', () => {
    const encoded = encodeTensors([{ name: 's', datatype: 'BYTES', shape: [2], data: ['hello', 'world'] }]);
    const error = rejection(encoded.subarray(0, encoded.length - 2));
    expect(error.code).toBe('INVALID_ARGUMENT');
    expect(error.message).toBe('tensor "s": BYTES element 1 claims 5 bytes but only 3 remain');
  });

  it.each<[string, string]>([
    ['null', 'null'],
    ['an object without tensors', '{"meta":{}}'],
    ['tensors that are not a list', '{"tensors":"x"}'],
    ['a tensor without a shape', '{"tensors":[{"name":"x","datatype":"FP32","byteLength":0}]}'],
  ])('rejects a JSON header that is %s as INVALID_ARGUMENT, not as a crash', (_case, header) => {
    expect(rejection(envelope(header)).code).toBe('INVALID_ARGUMENT');
  });
});
