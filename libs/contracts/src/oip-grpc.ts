// ModelInfer messages <-> tensors. Inputs come either as typed contents (the repeated field of their datatype)
// or, all of them, as raw little-endian bytes; the answer uses the encoding the request used, as Triton does.
import { DATATYPE_FACTS, inIntegerRange } from './datatypes';
import { invalid } from './errors';
import { InferCommand, InferResult } from './oip';
import {
  ContentsField,
  InferInputTensor,
  InferOutputTensor,
  InferTensorContents,
  ModelInferRequest,
  ModelInferResponse,
} from './oip-grpc-messages';
import { checkBytesElements, checkTensorElements, RequestLimits } from './request-limits';
import { DATATYPES, Datatype, elementCount, isDatatype, Tensor, TensorData } from './tensor';
import { allocate, fromRawBytes, toRawBytes } from './typed-arrays';

const CONTENTS_FIELDS: readonly ContentsField[] = [
  'bool_contents',
  'int_contents',
  'int64_contents',
  'uint_contents',
  'uint64_contents',
  'fp32_contents',
  'fp64_contents',
  'bytes_contents',
];

const utf8 = new TextEncoder();
const fromUtf8 = new TextDecoder();

export interface DecodedInferRequest {
  command: InferCommand;
  /** The request sent raw_input_contents, so the answer goes in raw_output_contents. */
  raw: boolean;
}

/** Decodes the inputs of a request whose model the caller has resolved already. */
export function inferCommandFrom(request: ModelInferRequest, limits: RequestLimits): DecodedInferRequest {
  if (request.inputs.length === 0) throw invalid('inference request has no inputs');
  const rawContents = request.raw_input_contents;
  const raw = rawContents.length > 0;
  if (raw && rawContents.length !== request.inputs.length) {
    throw invalid(
      `raw_input_contents has ${rawContents.length} entries for ${request.inputs.length} inputs; send one per input, in the order of inputs`,
    );
  }
  const shapes = request.inputs.map((input, i) => shapeOf(input, `input "${input.name || i}"`));
  checkTensorElements(shapes, limits);
  const inputs = request.inputs.map((input, i): Tensor => {
    if (!input.name) throw invalid(`input ${i} has no name`);
    const what = `input "${input.name}"`;
    const datatype = datatypeOf(input, what);
    const shape = shapes[i];
    if (!raw) return { name: input.name, datatype, shape, data: fromContents(input.contents, datatype, shape, what) };
    if (hasElements(input.contents)) {
      throw invalid(`${what} sets contents while the request uses raw_input_contents; send every input one way`);
    }
    return { name: input.name, datatype, shape, data: fromRawBytes(datatype, shape, rawContents[i], what) };
  });
  checkBytesElements(inputs, limits);
  return {
    command: {
      model: request.model_name,
      version: request.model_version || undefined,
      id: request.id || undefined,
      inputs,
      outputs: request.outputs.length > 0 ? request.outputs.map((o) => o.name) : undefined,
    },
    raw,
  };
}

export function inferResponseFrom(result: InferResult, options: { raw: boolean }): ModelInferResponse {
  // raw_output_contents is all or nothing, and FP16 can only go raw: one FP16 output makes the whole answer raw.
  const raw = options.raw || result.outputs.some((t) => t.datatype === 'FP16');
  return {
    model_name: result.model,
    model_version: result.version,
    id: result.id ?? '',
    ...(result.variant !== undefined && { parameters: { variant: { string_param: result.variant } } }),
    outputs: result.outputs.map((t): InferOutputTensor => ({
      name: t.name,
      datatype: t.datatype,
      shape: t.shape,
      ...(!raw && { contents: toContents(t) }),
    })),
    raw_output_contents: raw ? result.outputs.map((t) => toRawBytes(t.datatype, t.data)) : [],
  };
}

function datatypeOf(input: InferInputTensor, what: string): Datatype {
  if (isDatatype(input.datatype)) return input.datatype;
  throw invalid(`${what}: unknown datatype "${input.datatype}"; expected one of ${DATATYPES.join(', ')}`);
}

function shapeOf(input: InferInputTensor, what: string): number[] {
  const shape = input.shape.map(Number);
  if (shape.some((d) => !Number.isSafeInteger(d) || d < 0)) {
    throw invalid(`${what}: shape [${input.shape.join(',')}] must have non-negative dimensions`);
  }
  return shape;
}

function hasElements(contents: InferTensorContents | null): boolean {
  return contents !== null && CONTENTS_FIELDS.some((f) => contents[f].length > 0);
}

function fromContents(
  contents: InferTensorContents | null,
  datatype: Datatype,
  shape: number[],
  what: string,
): TensorData {
  const field = DATATYPE_FACTS[datatype].grpcContents;
  if (field === null)
    throw invalid(`${what}: ${datatype} has no typed contents field; send ${datatype} inputs in raw_input_contents`);
  const stray = CONTENTS_FIELDS.find((f) => f !== field && (contents?.[f].length ?? 0) > 0);
  if (stray) throw invalid(`${what}: ${datatype} elements go in contents.${field}, got contents.${stray}`);
  const count = elementCount(shape);
  if (contents === null && count > 0)
    throw invalid(`${what}: no data; set contents.${field} or send raw_input_contents`);
  const values = contents?.[field] ?? [];
  if (values.length !== count) {
    throw invalid(
      `${what}: shape [${shape.join(',')}] needs ${count} elements, got ${values.length} in contents.${field}`,
    );
  }

  switch (datatype) {
    case 'BYTES':
      return (values as Uint8Array[]).map((b) => fromUtf8.decode(b));
    case 'INT64':
    case 'UINT64': {
      // Decimal strings from the decoder (longs: String), so values beyond 2^53 stay exact.
      const integers = (values as string[]).map(BigInt);
      checkRange(datatype, integers, what);
      const data = allocate(datatype, count) as BigInt64Array | BigUint64Array;
      data.set(integers);
      return data;
    }
    default: {
      const numbers = datatype === 'BOOL' ? (values as boolean[]).map(Number) : (values as number[]);
      checkRange(datatype, numbers, what);
      const data = allocate(datatype, count) as Exclude<TensorData, string[] | BigInt64Array | BigUint64Array>;
      data.set(numbers);
      return data;
    }
  }
}

/** The wire fields (int32, uint32, ...) are wider than INT8 and the like, so a value can fall outside its datatype. */
function checkRange(datatype: Exclude<Datatype, 'BYTES'>, values: readonly (number | bigint)[], what: string): void {
  const outside = values.findIndex((v) => !inIntegerRange(datatype, v));
  if (outside >= 0) throw invalid(`${what}: element ${outside} is ${values[outside]}, outside the ${datatype} range`);
}

function toContents(tensor: Tensor): Partial<Record<ContentsField, unknown[]>> {
  // Never null here: an answer with an FP16 output goes raw.
  const field = DATATYPE_FACTS[tensor.datatype].grpcContents as ContentsField;
  switch (tensor.datatype) {
    case 'BYTES':
      return { [field]: (tensor.data as string[]).map((s) => utf8.encode(s)) };
    case 'BOOL':
      return { [field]: Array.from(tensor.data as Uint8Array, (v) => v !== 0) };
    case 'INT64':
    case 'UINT64':
      // Decimal strings: the encoder turns them into exact 64-bit integers.
      return { [field]: Array.from(tensor.data as BigInt64Array, (v) => v.toString()) };
    default:
      return { [field]: Array.from(tensor.data as Float64Array) };
  }
}
