// Every fact Aviary needs about each Open Inference Protocol datatype, in one table: adding a datatype to DATATYPES
// fails type-checking until its row here is complete.
import type { ContentsField } from './oip-grpc-messages';
import type { Datatype, TensorData } from './tensor';

export type FixedDatatype = Exclude<Datatype, 'BYTES'>;

export type TypedArrayConstructor = {
  new (length: number): Exclude<TensorData, string[]>;
  new (buffer: ArrayBufferLike, byteOffset?: number, length?: number): Exclude<TensorData, string[]>;
};

/**
 * Smallest and largest value of an integer datatype: as bigints, exact for 64 bits, and as numbers, since comparing
 * a number with a bigint costs several times more (the 64-bit number bounds round outward, past any exact number).
 */
export interface IntegerRange {
  min: bigint;
  max: bigint;
  minNumber: number;
  maxNumber: number;
}

interface CommonFacts {
  /** The element type's name in ONNX Runtime. */
  ort: string;
  /** The InferTensorContents field its elements travel in over gRPC; null when the protocol sends it only raw. */
  grpcContents: ContentsField | null;
}

interface FixedFacts extends CommonFacts {
  /** Bytes per element. */
  size: 1 | 2 | 4 | 8;
  /** BOOL is one byte per element (0/1) and FP16 holds raw IEEE half bits. */
  array: TypedArrayConstructor;
  /** Null for BOOL and the floating-point datatypes. */
  range: IntegerRange | null;
}

/** BYTES: UTF-8 strings of any length, so no element size, typed array or range. */
type BytesFacts = CommonFacts;

type DatatypeFacts<D extends Datatype> = D extends 'BYTES' ? BytesFacts : FixedFacts;

const integerRange = (min: bigint, max: bigint): IntegerRange => ({
  min,
  max,
  minNumber: Number(min),
  maxNumber: Number(max),
});
const signed = (bits: bigint) => integerRange(-(2n ** (bits - 1n)), 2n ** (bits - 1n) - 1n);
const unsigned = (bits: bigint) => integerRange(0n, 2n ** bits - 1n);

export const DATATYPE_FACTS: { readonly [D in Datatype]: DatatypeFacts<D> } = {
  BOOL: { size: 1, array: Uint8Array, range: null, grpcContents: 'bool_contents', ort: 'bool' },
  UINT8: { size: 1, array: Uint8Array, range: unsigned(8n), grpcContents: 'uint_contents', ort: 'uint8' },
  UINT16: { size: 2, array: Uint16Array, range: unsigned(16n), grpcContents: 'uint_contents', ort: 'uint16' },
  UINT32: { size: 4, array: Uint32Array, range: unsigned(32n), grpcContents: 'uint_contents', ort: 'uint32' },
  UINT64: { size: 8, array: BigUint64Array, range: unsigned(64n), grpcContents: 'uint64_contents', ort: 'uint64' },
  INT8: { size: 1, array: Int8Array, range: signed(8n), grpcContents: 'int_contents', ort: 'int8' },
  INT16: { size: 2, array: Int16Array, range: signed(16n), grpcContents: 'int_contents', ort: 'int16' },
  INT32: { size: 4, array: Int32Array, range: signed(32n), grpcContents: 'int_contents', ort: 'int32' },
  INT64: { size: 8, array: BigInt64Array, range: signed(64n), grpcContents: 'int64_contents', ort: 'int64' },
  FP16: { size: 2, array: Uint16Array, range: null, grpcContents: null, ort: 'float16' },
  FP32: { size: 4, array: Float32Array, range: null, grpcContents: 'fp32_contents', ort: 'float32' },
  FP64: { size: 8, array: Float64Array, range: null, grpcContents: 'fp64_contents', ort: 'float64' },
  BYTES: { grpcContents: 'bytes_contents', ort: 'string' },
};

/** Bytes per element for fixed-size datatypes; BYTES has none. */
export function elementSize(datatype: FixedDatatype): number {
  return DATATYPE_FACTS[datatype].size;
}

/**
 * Whether an integer (number or bigint) fits an integer datatype's range. BOOL and the floating-point datatypes have
 * none: their values are checked by kind (true/false, overflow) where they are read.
 */
export function inIntegerRange(datatype: FixedDatatype, value: number | bigint): boolean {
  const range = DATATYPE_FACTS[datatype].range;
  if (range === null) return true;
  return typeof value === 'number'
    ? value >= range.minNumber && value <= range.maxNumber
    : value >= range.min && value <= range.max;
}
