// The tensor as every Aviary component sees it: Open Inference Protocol datatypes over typed arrays.
export const DATATYPES = [
  'BOOL',
  'UINT8',
  'UINT16',
  'UINT32',
  'UINT64',
  'INT8',
  'INT16',
  'INT32',
  'INT64',
  'FP16',
  'FP32',
  'FP64',
  'BYTES',
] as const;

export type Datatype = (typeof DATATYPES)[number];

/** BOOL is one byte per element (0/1), FP16 holds raw IEEE half bits, BYTES holds UTF-8 strings. */
export type TensorData =
  | Uint8Array
  | Uint16Array
  | Uint32Array
  | BigUint64Array
  | Int8Array
  | Int16Array
  | Int32Array
  | BigInt64Array
  | Float32Array
  | Float64Array
  | string[];

export interface Tensor {
  name: string;
  datatype: Datatype;
  shape: number[];
  data: TensorData;
}

/** Shape of a model input or output; -1 marks a dimension of any size. */
export interface TensorMetadata {
  name: string;
  datatype: Datatype;
  shape: number[];
}

export function isDatatype(value: unknown): value is Datatype {
  return typeof value === 'string' && (DATATYPES as readonly string[]).includes(value);
}

export function elementCount(shape: readonly number[]): number {
  return shape.reduce((n, d) => n * d, 1);
}

/** `"features" FP32 [-1,17], "label" INT64 [-1]`: tensors as error messages name them. */
export const formatTensorList = (tensors: readonly TensorMetadata[]) =>
  tensors.map((t) => `"${t.name}" ${t.datatype} [${t.shape.join(',')}]`).join(', ');
