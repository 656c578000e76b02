// The binary frame NATS messages with raw payloads use: u32 LE header length | JSON header | payloads, back to back.
// The header says how long each payload is; what the payloads are is the caller's (tensors, version parts).
import { invalid } from './errors';

const utf8 = new TextEncoder();
const fromUtf8 = new TextDecoder();

export function encodeFrame(header: unknown, payloads: readonly Uint8Array[]): Uint8Array {
  const headerBytes = utf8.encode(JSON.stringify(header));
  const out = new Uint8Array(4 + headerBytes.length + payloads.reduce((n, p) => n + p.byteLength, 0));
  new DataView(out.buffer).setUint32(0, headerBytes.length, true);
  out.set(headerBytes, 4);
  let offset = 4 + headerBytes.length;
  for (const p of payloads) {
    out.set(p, offset);
    offset += p.byteLength;
  }
  return out;
}

/** The frame's parsed header and a reader that hands out its payloads in order; `what` names it in errors. */
export function decodeFrame(message: Uint8Array, what: string): { header: unknown; payloads: PayloadReader } {
  if (message.byteLength < 4) throw invalid(`${what} is shorter than its header length`);
  const headerLength = new DataView(message.buffer, message.byteOffset, message.byteLength).getUint32(0, true);
  if (4 + headerLength > message.byteLength) throw invalid(`${what} header runs past the message`);
  let header: unknown;
  try {
    header = JSON.parse(fromUtf8.decode(message.subarray(4, 4 + headerLength)));
  } catch {
    throw invalid(`${what} header is not JSON`);
  }
  return { header, payloads: new PayloadReader(message, 4 + headerLength, what) };
}

export class PayloadReader {
  constructor(
    private readonly message: Uint8Array,
    private offset: number,
    private readonly what: string,
  ) {}

  /** The next `byteLength` bytes, a view into the message (a short read is the decoder's to report, from the view). */
  next(byteLength: number): Uint8Array {
    const view = this.message.subarray(this.offset, this.offset + byteLength);
    this.offset += byteLength;
    return view;
  }

  /** Throws when bytes remain after the last payload the header names. */
  end(): void {
    if (this.offset !== this.message.byteLength)
      throw invalid(`${this.what} has ${this.message.byteLength - this.offset} bytes after its last part`);
  }
}
