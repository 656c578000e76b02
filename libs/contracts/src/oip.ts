// Open Inference Protocol (KServe / Triton "V2") REST JSON: request schema and tensor <-> JSON conversion.
import { z } from 'zod';
import { DATATYPE_FACTS, IntegerRange, inIntegerRange } from './datatypes';
import { invalid } from './errors';
import type { RequestContext } from './flags';
import { floatToHalf, halfToFloat } from './half';
import { DATATYPES, Datatype, elementCount, isDatatype, Tensor, TensorData } from './tensor';
import { allocate } from './typed-arrays';

const parameters = z.record(z.string(), z.unknown()).optional();

export const oipInferRequestSchema = z.object({
  id: z.string().optional(),
  parameters,
  inputs: z
    .array(
      z.object({
        name: z.string().min(1),
        shape: z.array(z.number().int().nonnegative()),
        datatype: z.string(),
        parameters,
        /** Absent when the input's bytes come in the binary tail (parameters.binary_data_size). */
        data: z.unknown().optional(),
      }),
    )
    .min(1),
  outputs: z.array(z.object({ name: z.string().min(1), parameters })).optional(),
});

export type OipInferRequest = z.infer<typeof oipInferRequestSchema>;
export type OipInput = OipInferRequest['inputs'][number];

export interface OipOutput {
  name: string;
  datatype: Datatype;
  shape: number[];
  data: (number | string | boolean)[];
}

/** An infer request as every door (REST JSON, REST binary, gRPC) decodes it for the use case they share. */
export interface InferCommand {
  model: string;
  version?: string;
  /** The evaluation context of the model's flags, for a request without a version. */
  context?: RequestContext;
  /** The request's header (REST) or metadata (gRPC) by lower-case name, for the header rules of those flags. */
  header?: (name: string) => string | undefined;
  id?: string;
  inputs: Tensor[];
  outputs?: string[];
}

export interface InferResult {
  model: string;
  version: string;
  /** The version flag's variant that picked `version`, when a flag did. */
  variant?: string;
  id?: string;
  outputs: Tensor[];
}

export interface OipInferResponse {
  model_name: string;
  model_version: string;
  id?: string;
  /** `variant`: the version flag's variant that picked the version, when a flag did. */
  parameters?: Record<string, unknown>;
  outputs: OipOutput[];
}

function flatten(data: unknown, out: unknown[]): void {
  if (Array.isArray(data)) for (const d of data) flatten(d, out);
  else out.push(data);
}

/** An offending value as an error message shows it: short ones as JSON, long strings cut, long containers by kind. */
export function describeValue(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  if (value === null || typeof value !== 'object') return typeof value === 'function' ? 'a function' : String(value);
  const plain = Array.isArray(value) || [Object.prototype, null].includes(Object.getPrototypeOf(value));
  const json = plain ? JSON.stringify(value) : undefined;
  if (json !== undefined && json.length <= 40) return json;
  return Array.isArray(value) ? 'an array' : 'an object';
}

/** Converts one JSON input to a tensor, checking datatype, element count and every element's type and range. */
export function tensorFromJson(input: OipInput): Tensor {
  const what = `input "${input.name}"`;
  if (!isDatatype(input.datatype)) {
    throw invalid(`${what}: unknown datatype "${input.datatype}"; expected one of ${DATATYPES.join(', ')}`);
  }
  const datatype = input.datatype;
  if (input.data === undefined)
    throw invalid(`${what}: data is missing (or give parameters.binary_data_size with a binary body)`);
  const values: unknown[] = [];
  flatten(input.data, values);
  const count = elementCount(input.shape);
  if (values.length !== count) {
    throw invalid(`${what}: shape [${input.shape.join(',')}] needs ${count} elements, got ${values.length}`);
  }
  return tensorFromValues(input.name, datatype, input.shape, values, (i, expected) =>
    invalid(`${what}: element ${i} must be ${expected}, got ${describeValue(values[i])}`),
  );
}

/**
 * Builds a tensor from flat values whose count already matches the shape, checking each element's type and range;
 * `bad` words the error for element i (OIP names the element, predict names the record's field and row).
 */
export function tensorFromValues(
  name: string,
  datatype: Datatype,
  shape: number[],
  values: readonly unknown[],
  bad: (index: number, expected: string) => Error,
): Tensor {
  const count = values.length;
  if (datatype === 'BYTES') {
    values.forEach((v, i) => {
      if (typeof v !== 'string') throw bad(i, 'a string');
    });
    return { name, datatype, shape, data: values as string[] };
  }
  const data = allocate(datatype, count);
  for (let i = 0; i < count; i++) {
    const v = values[i];
    switch (datatype) {
      case 'BOOL':
        if (typeof v !== 'boolean') throw bad(i, 'true or false');
        data[i] = v ? 1 : 0;
        break;
      case 'FP16':
      case 'FP32':
      case 'FP64':
        if (typeof v !== 'number') throw bad(i, 'a number');
        // JSON cannot carry Inf, so a value that only becomes Inf in the narrower type is an overflow, not data.
        if (datatype === 'FP32' && !Number.isFinite(Math.fround(v))) throw bad(i, 'a number within the FP32 range');
        if (datatype === 'FP16' && Math.abs(v) >= FP16_LIMIT)
          throw bad(i, 'a number within the FP16 range (|x| < 65520)');
        data[i] = datatype === 'FP16' ? floatToHalf(v) : v;
        break;
      case 'INT64':
      case 'UINT64': {
        // Integers beyond 2^53 cannot be exact in JSON numbers, so they may also come as decimal strings.
        const ok = (typeof v === 'number' && Number.isSafeInteger(v)) || (typeof v === 'string' && /^-?\d+$/.test(v));
        if (!ok) throw bad(i, 'an integer');
        const big = BigInt(v as number | string);
        if (!inIntegerRange(datatype, big)) throw bad(i, `an integer in the ${datatype} range`);
        data[i] = big;
        break;
      }
      default: {
        if (typeof v !== 'number' || !Number.isInteger(v)) throw bad(i, 'an integer');
        if (!inIntegerRange(datatype, v)) {
          const { min, max } = DATATYPE_FACTS[datatype].range as IntegerRange;
          throw bad(i, `an integer in [${min}, ${max}] for ${datatype}`);
        }
        data[i] = v;
      }
    }
  }
  return { name, datatype, shape, data };
}

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);
const MIN_SAFE = -MAX_SAFE;
/** Largest magnitude that rounds to a finite half: anything above becomes Inf. */
const FP16_LIMIT = 65520;

function jsonValues(datatype: Datatype, data: TensorData): (number | string | boolean)[] {
  switch (datatype) {
    case 'BYTES':
      return data as string[];
    case 'BOOL':
      return Array.from(data as Uint8Array, (v) => v !== 0);
    case 'FP16':
      return Array.from(data as Uint16Array, halfToFloat);
    case 'INT64':
    case 'UINT64':
      // Exact below 2^53; larger magnitudes go out as strings rather than silently rounded numbers.
      return Array.from(data as BigInt64Array, (v) => (v >= MIN_SAFE && v <= MAX_SAFE ? Number(v) : v.toString()));
    default:
      return Array.from(data as Float32Array);
  }
}

export function tensorToJson(tensor: Tensor): OipOutput {
  return {
    name: tensor.name,
    datatype: tensor.datatype,
    shape: tensor.shape,
    data: jsonValues(tensor.datatype, tensor.data),
  };
}
