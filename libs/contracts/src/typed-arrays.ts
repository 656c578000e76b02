// One place that knows which typed array holds each OIP datatype, and how raw little-endian bytes become one.
import { decodeBytesElements, encodeBytesElements } from './bytes-elements';
import { invalid } from './errors';
import { Datatype, elementCount, elementSize, TensorData } from './tensor';

type FixedDatatype = Exclude<Datatype, 'BYTES'>;
type TypedArrayConstructor = {
  new (length: number): Exclude<TensorData, string[]>;
  new (buffer: ArrayBufferLike, byteOffset?: number, length?: number): Exclude<TensorData, string[]>;
};

const CONSTRUCTORS: Record<FixedDatatype, TypedArrayConstructor> = {
  BOOL: Uint8Array,
  UINT8: Uint8Array,
  UINT16: Uint16Array,
  UINT32: Uint32Array,
  UINT64: BigUint64Array,
  INT8: Int8Array,
  INT16: Int16Array,
  INT32: Int32Array,
  INT64: BigInt64Array,
  FP16: Uint16Array,
  FP32: Float32Array,
  FP64: Float64Array,
};

export function allocate(datatype: FixedDatatype, length: number): Exclude<TensorData, string[]> {
  return new CONSTRUCTORS[datatype](length);
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
  return new CONSTRUCTORS[datatype](copy.buffer, 0, count);
}
