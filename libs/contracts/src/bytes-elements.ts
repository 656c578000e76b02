// BYTES tensors in binary form: each element is a 4-byte little-endian length followed by its bytes
// (the Open Inference Protocol binary extension and Triton's raw_input_contents use this layout).
import { invalid } from './errors';

const utf8 = new TextEncoder();
const fromUtf8 = new TextDecoder('utf-8', { fatal: false });

export function encodeBytesElements(values: readonly string[]): Uint8Array {
  const encoded = values.map((v) => utf8.encode(v));
  const out = new Uint8Array(encoded.reduce((n, e) => n + 4 + e.length, 0));
  const view = new DataView(out.buffer);
  let offset = 0;
  for (const e of encoded) {
    view.setUint32(offset, e.length, true);
    out.set(e, offset + 4);
    offset += 4 + e.length;
  }
  return out;
}

export function decodeBytesElements(buffer: Uint8Array, expectedCount: number, what: string): string[] {
  const view = new DataView(buffer.buffer, buffer.byteOffset, buffer.byteLength);
  const values: string[] = [];
  let offset = 0;
  while (offset < buffer.byteLength) {
    if (offset + 4 > buffer.byteLength) throw invalid(`${what}: truncated BYTES element length at byte ${offset}`);
    const length = view.getUint32(offset, true);
    if (offset + 4 + length > buffer.byteLength) {
      throw invalid(
        `${what}: BYTES element ${values.length} claims ${length} bytes but only ${buffer.byteLength - offset - 4} remain`,
      );
    }
    values.push(fromUtf8.decode(buffer.subarray(offset + 4, offset + 4 + length)));
    offset += 4 + length;
  }
  if (values.length !== expectedCount) {
    throw invalid(`${what}: shape needs ${expectedCount} BYTES elements, got ${values.length}`);
  }
  return values;
}
