// Inference requests batched along dimension 0: several requests' inputs concatenated row-wise into one call,
// and that call's outputs split back into each request's rows.
import { allocate, Datatype, Tensor, TensorData } from '@aviary/contracts';
import { IncompatibleBatchError } from './micro-batcher';
import { ModelSignature } from './model-signature';

type FixedData = Exclude<TensorData, string[]>;

/**
 * True when every input and output has a first dimension of any size, as a model that works row by row declares;
 * a model with any fixed or missing first dimension (e.g. a scalar output) is never batched.
 */
export function batchesAlongRows(signature: ModelSignature): boolean {
  return [...signature.inputs, ...signature.outputs].every((t) => t.shape.length > 0 && t.shape[0] === -1);
}

/** The number of rows every input has (its first dimension), or undefined when they differ or one has no dimension. */
export function rowsOf(inputs: readonly Tensor[]): number | undefined {
  const rows = inputs[0]?.shape[0];
  return inputs.every((t) => t.shape.length > 0 && t.shape[0] === rows) ? rows : undefined;
}

/** Requests with the same key can share a call: the same inputs in the same order, datatypes and trailing dims. */
export function batchKey(inputs: readonly Tensor[], outputNames?: readonly string[]): string {
  return `${inputs.map(inputKey).join(';')}|${outputNames?.join(';') ?? ''}`;
}

/** Bytes the inputs take on the wire, close enough to keep a batch under a message size limit. */
export function tensorBytes(inputs: readonly Tensor[]): number {
  let bytes = 0;
  for (const t of inputs) {
    // BYTES elements travel as a 4-byte length and their UTF-8 bytes.
    if (t.datatype === 'BYTES') for (const s of t.data as string[]) bytes += 4 + Buffer.byteLength(s);
    else bytes += (t.data as FixedData).byteLength;
  }
  return bytes;
}

/**
 * One request's inputs from several: each input is the requests' inputs at that position, one after another.
 * Throws IncompatibleBatchError when the requests' batch keys differ.
 */
export function concatRows(requests: readonly (readonly Tensor[])[]): Tensor[] {
  const [first] = requests;
  const key = batchKey(first);
  requests.forEach((inputs, r) => {
    if (batchKey(inputs) !== key) {
      throw new IncompatibleBatchError(
        `request ${r} of the batch has inputs ${batchKey(inputs)}, expected ${key} like request 0`,
      );
    }
  });
  return first.map((head, i) => {
    const parts = requests.map((inputs) => inputs[i]);
    const rows = parts.reduce((n, t) => n + t.shape[0], 0);
    return { ...head, shape: [rows, ...head.shape.slice(1)], data: concatData(head.datatype, parts) };
  });
}

/**
 * Splits each output into consecutive slices of the given row counts, one list of outputs per request. Typed arrays
 * are views on the batch's, not copies. Throws IncompatibleBatchError when an output's first dimension is not the rows'
 * sum: the model's outputs do not follow its input rows, so these requests must run alone.
 */
export function splitRows(outputs: readonly Tensor[], rows: readonly number[]): Tensor[][] {
  const total = rows.reduce((n, r) => n + r, 0);
  for (const t of outputs) {
    if (t.shape.length === 0 || t.shape[0] !== total) {
      throw new IncompatibleBatchError(
        `output "${t.name}" has shape [${t.shape.join(',')}] for ${total} input rows; expected ${total} rows along dimension 0`,
      );
    }
  }
  let start = 0;
  return rows.map((count) => {
    const from = start;
    start += count;
    return outputs.map((t) => {
      const width = t.shape.slice(1).reduce((n, d) => n * d, 1);
      const data = sliceData(t.data, from * width, start * width);
      return { ...t, shape: [count, ...t.shape.slice(1)], data };
    });
  });
}

const inputKey = (t: Tensor) => `${t.name}:${t.datatype}[${t.shape.slice(1).join(',')}]`;

function concatData(datatype: Datatype, parts: readonly Tensor[]): TensorData {
  if (datatype === 'BYTES') return parts.flatMap((t) => t.data as string[]);
  // Same datatype, so the same typed array class: set() copies element by element (bigints included).
  const out = allocate(
    datatype,
    parts.reduce((n, t) => n + t.data.length, 0),
  ) as Uint8Array;
  let offset = 0;
  for (const t of parts) {
    out.set(t.data as Uint8Array, offset);
    offset += t.data.length;
  }
  return out;
}

const sliceData = (data: TensorData, from: number, to: number): TensorData =>
  Array.isArray(data) ? data.slice(from, to) : (data as Uint8Array).subarray(from, to);
