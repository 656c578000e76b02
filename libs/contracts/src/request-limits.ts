// What one request may ask of a door, so a hostile body meets a 400/413 naming the limit instead of exhausting the
// stack, memory or CPU. Each key is the environment variable that sets it, so every message can name it.
import { AviaryError, invalid } from './errors';
import { elementCount, Tensor } from './tensor';

export interface RequestLimits {
  /** Deepest nesting of arrays and objects in a JSON body. */
  AVIARY_MAX_JSON_DEPTH: number;
  /** Most records in one predict request. */
  AVIARY_MAX_PREDICT_RECORDS: number;
  /** Most tensor elements in one infer request, all inputs together. */
  AVIARY_MAX_TENSOR_ELEMENTS: number;
  /** Longest string (a JSON string, a BYTES element) in bytes as sent: UTF-8, JSON escapes included. */
  AVIARY_MAX_STRING_BYTES: number;
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;

const tooLarge = (message: string) => new AviaryError(message, 'PAYLOAD_TOO_LARGE');

/**
 * Checks JSON text before it is parsed: nesting depth and the length of each string, in one pass without recursion
 * (a recursive reader is what a deep body overflows). Bytes of UTF-8 never collide with the ASCII it looks for.
 */
export function checkJsonText(json: Uint8Array, limits: RequestLimits): void {
  const maxDepth = limits.AVIARY_MAX_JSON_DEPTH;
  const maxString = limits.AVIARY_MAX_STRING_BYTES;
  let depth = 0;
  for (let i = 0; i < json.length; i++) {
    const c = json[i];
    if (c === QUOTE) {
      const start = i;
      for (i++; i < json.length && json[i] !== QUOTE; i++) if (json[i] === BACKSLASH) i++;
      if (i - start - 1 > maxString) {
        throw tooLarge(
          `a string in the request body is longer than ${maxString} bytes, the limit set by AVIARY_MAX_STRING_BYTES`,
        );
      }
    } else if (c === OPEN_BRACKET || c === OPEN_BRACE) {
      if (++depth > maxDepth) {
        throw invalid(
          `the request body nests arrays and objects deeper than ${maxDepth} levels, the limit set by AVIARY_MAX_JSON_DEPTH`,
        );
      }
    } else if (c === CLOSE_BRACKET || c === CLOSE_BRACE) depth--;
  }
}

export function checkRecordCount(count: number, limits: RequestLimits): void {
  const max = limits.AVIARY_MAX_PREDICT_RECORDS;
  if (count > max) {
    throw tooLarge(
      `the predict request holds ${count} records, more than ${max}, the limit set by AVIARY_MAX_PREDICT_RECORDS`,
    );
  }
}

/** Checked on the declared shapes, before any element is decoded or allocated. */
export function checkTensorElements(shapes: readonly (readonly number[])[], limits: RequestLimits): void {
  const max = limits.AVIARY_MAX_TENSOR_ELEMENTS;
  let total = 0;
  for (const shape of shapes) total += elementCount(shape);
  if (total > max) {
    throw tooLarge(
      `the inputs' shapes declare ${total} elements, more than ${max}, the limit set by AVIARY_MAX_TENSOR_ELEMENTS`,
    );
  }
}

/** BYTES elements that arrived as bytes (gRPC, the binary extension): JSON strings are checked in the text. */
export function checkBytesElements(tensors: readonly Tensor[], limits: RequestLimits): void {
  const max = limits.AVIARY_MAX_STRING_BYTES;
  for (const tensor of tensors) {
    if (tensor.datatype !== 'BYTES') continue;
    // A string of n UTF-16 units has at most 3n UTF-8 bytes: only a long one needs counting.
    const long = (tensor.data as string[]).find((s) => s.length * 3 > max && Buffer.byteLength(s) > max);
    if (long !== undefined) {
      throw tooLarge(
        `input "${tensor.name}" has a BYTES element longer than ${max} bytes, the limit set by AVIARY_MAX_STRING_BYTES`,
      );
    }
  }
}
