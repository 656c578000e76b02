// The Open Inference Protocol binary tensor data extension (REST): a JSON header of Inference-Header-Content-Length
// bytes, then raw tensor data. Inputs with parameters.binary_data_size take their bytes from the tail, in order;
// outputs asked for with parameters.binary_data (or request parameters.binary_data_output) answer the same way.
import { invalid } from './errors';
import { checkJsonText, RequestLimits } from './request-limits';
import { OipInferRequest, OipOutput, tensorFromJson, tensorToJson } from './oip';
import { isDatatype, Tensor } from './tensor';
import { fromRawBytes, toRawBytes } from './typed-arrays';

export const INFERENCE_HEADER = 'inference-header-content-length';

const fromUtf8 = new TextDecoder();
const utf8 = new TextEncoder();

/** Splits a binary-extension body into its JSON header (parsed) and the binary tail. */
export function splitBinaryBody(
  body: Uint8Array,
  headerLengthValue: string | undefined,
  limits: RequestLimits,
): { json: unknown; tail: Uint8Array } {
  const headerLength = Number(headerLengthValue);
  if (!Number.isInteger(headerLength) || headerLength < 0 || headerLength > body.byteLength) {
    throw invalid(
      `${INFERENCE_HEADER} must be a byte count between 0 and the body size (${body.byteLength}), got "${headerLengthValue ?? ''}"`,
    );
  }
  const header = body.subarray(0, headerLength);
  checkJsonText(header, limits);
  try {
    return { json: JSON.parse(fromUtf8.decode(header)), tail: body.subarray(headerLength) };
  } catch {
    throw invalid(`the first ${headerLength} bytes (${INFERENCE_HEADER}) are not a JSON inference request`);
  }
}

/** Every input as a tensor: from its JSON data, or from the binary tail when it declares binary_data_size. */
export function tensorsFromRequest(request: OipInferRequest, tail: Uint8Array = new Uint8Array(0)): Tensor[] {
  let offset = 0;
  const tensors = request.inputs.map((input) => {
    const size = input.parameters?.binary_data_size;
    if (size === undefined) return tensorFromJson(input);
    const what = `input "${input.name}"`;
    if (typeof size !== 'number' || !Number.isInteger(size) || size < 0)
      throw invalid(`${what}: binary_data_size must be a byte count`);
    if (input.data !== undefined) throw invalid(`${what}: give either data or binary_data_size, not both`);
    if (!isDatatype(input.datatype)) throw invalid(`${what}: unknown datatype "${input.datatype}"`);
    if (offset + size > tail.byteLength)
      throw invalid(`${what}: binary_data_size ${size} runs past the end of the body`);
    const raw = tail.subarray(offset, offset + size);
    offset += size;
    return {
      name: input.name,
      datatype: input.datatype,
      shape: input.shape,
      data: fromRawBytes(input.datatype, input.shape, raw, what),
    };
  });
  if (offset !== tail.byteLength)
    throw invalid(`the body has ${tail.byteLength - offset} bytes of binary data that no input claims`);
  return tensors;
}

/** Which outputs the request wants as binary data. */
export function binaryOutputsOf(request: OipInferRequest): (name: string) => boolean {
  const all = request.parameters?.binary_data_output === true;
  const named = new Set((request.outputs ?? []).filter((o) => o.parameters?.binary_data === true).map((o) => o.name));
  return (name) => all || named.has(name);
}

export interface BinaryResponse {
  body: Buffer;
  headerLength: number;
}

/** The response body: plain JSON when no output is binary, otherwise JSON header + raw output bytes. */
export function encodeInferResponse<R extends { outputs: OipOutput[] }>(
  head: Omit<R, 'outputs'>,
  outputs: readonly Tensor[],
  binary: (name: string) => boolean,
): R | BinaryResponse {
  if (!outputs.some((o) => binary(o.name))) return { ...head, outputs: outputs.map(tensorToJson) } as R;
  const raws: Uint8Array[] = [];
  const described = outputs.map((o) => {
    if (!binary(o.name)) return tensorToJson(o);
    const raw = toRawBytes(o.datatype, o.data);
    raws.push(raw);
    return { name: o.name, datatype: o.datatype, shape: o.shape, parameters: { binary_data_size: raw.byteLength } };
  });
  const header = utf8.encode(JSON.stringify({ ...head, outputs: described }));
  return { body: Buffer.concat([header, ...raws]), headerLength: header.byteLength };
}
