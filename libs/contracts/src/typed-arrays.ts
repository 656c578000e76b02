// Typed arrays for OIP datatypes (which one holds each is in datatypes.ts), and how raw little-endian bytes become one.
import { decodeBytesElements, encodeBytesElements } from './bytes-elements';
import { invalid } from './errors';
import { DATATYPE_FACTS, elementSize, FixedDatatype } from './datatypes';
import { Datatype, elementCount, TensorData } from './tensor';

export function allocate(datatype: FixedDatatype, length: number): Exclude<TensorData, string[]> {
  return new DATATYPE_FACTS[datatype].array(length);
}

/** Little-endian bytes of a tensor's data (this platform is little-endian, as every supported one is). */
export function toRawBytes(datatype: Datatype, data: TensorData): Uint8Array {
  if (datatype === 'BYTES') return encodeBytesElements(data as string[]);
  const typed = data as Exclude<TensorData, string[]>;
  return new Uint8Array(typed.buffer, typed.byteOffset, typed.byteLength);
}

/** Copies raw bytes into a fresh, aligned typed array after checking the size against the shape. */
export function fromRawBytes(datatype: Datatype, shape: readonly number[], raw: Uint8Array, what: string): TensorData {
  const count = elementCount(shape);
  if (datatype === 'BYTES') return decodeBytesElements(raw, count, what);
  const expected = count * elementSize(datatype);
  if (raw.byteLength !== expected) {
    throw invalid(`${what}: shape [${shape.join(',')}] of ${datatype} needs ${expected} bytes, got ${raw.byteLength}`);
  }
  const copy = new Uint8Array(expected);
  copy.set(raw);
  return new DATATYPE_FACTS[datatype].array(copy.buffer, 0, count);
}
