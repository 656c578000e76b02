// JSON bodies on NATS: the encoding for small control messages (tensors use the binary envelope).
import { invalid } from '@aviary/contracts';

const utf8 = new TextEncoder();
const fromUtf8 = new TextDecoder();

export const encodeJson = (value: unknown): Uint8Array => utf8.encode(JSON.stringify(value));

export function decodeJson(data: Uint8Array, what: string): unknown {
  try {
    return JSON.parse(fromUtf8.decode(data));
  } catch {
    throw invalid(`${what} is not valid JSON`);
  }
}
