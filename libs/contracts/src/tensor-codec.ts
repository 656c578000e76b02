// Binary envelope for tensors on NATS: a JSON header then each tensor's raw bytes, so tensors never
// pass through JSON number arrays between services. Layout: u32 LE header length | header | payloads.
import { z } from 'zod';
import { invalid } from './errors';
import { parseOrThrow } from './validation';
import { isDatatype, Tensor } from './tensor';
import { fromRawBytes, toRawBytes } from './typed-arrays';

interface EnvelopeHeader<M> {
  tensors: { name: string; datatype: string; shape: number[]; byteLength: number }[];
  meta: M;
}

const headerSchema = z.object({
  tensors: z.array(
    z.object({
      name: z.string(),
      datatype: z.string(),
      shape: z.array(z.number().int().nonnegative()),
      byteLength: z.number().int().nonnegative(),
    }),
  ),
  meta: z.unknown().optional(),
});

const utf8 = new TextEncoder();
const fromUtf8 = new TextDecoder();

export function encodeTensors<M = Record<string, never>>(tensors: readonly Tensor[], meta?: M): Uint8Array {
  const payloads = tensors.map((t) => toRawBytes(t.datatype, t.data));
  const header: EnvelopeHeader<M | undefined> = {
    tensors: tensors.map((t, i) => ({
      name: t.name,
      datatype: t.datatype,
      shape: t.shape,
      byteLength: payloads[i].byteLength,
    })),
    meta,
  };
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

export function decodeTensors<M = Record<string, never>>(message: Uint8Array): { tensors: Tensor[]; meta: M } {
  if (message.byteLength < 4) throw invalid('tensor envelope is shorter than its header length');
  const headerLength = new DataView(message.buffer, message.byteOffset, message.byteLength).getUint32(0, true);
  if (4 + headerLength > message.byteLength) throw invalid('tensor envelope header runs past the message');
  let json: unknown;
  try {
    json = JSON.parse(fromUtf8.decode(message.subarray(4, 4 + headerLength)));
  } catch {
    throw invalid('tensor envelope header is not JSON');
  }
  const header = parseOrThrow(headerSchema, json, 'tensor envelope header');
  let offset = 4 + headerLength;
  const tensors = header.tensors.map((t) => {
    if (!isDatatype(t.datatype)) throw invalid(`tensor "${t.name}": unknown datatype "${t.datatype}"`);
    const raw = message.subarray(offset, offset + t.byteLength);
    offset += t.byteLength;
    return {
      name: t.name,
      datatype: t.datatype,
      shape: t.shape,
      data: fromRawBytes(t.datatype, t.shape, raw, `tensor "${t.name}"`),
    };
  });
  if (offset !== message.byteLength)
    throw invalid(`tensor envelope has ${message.byteLength - offset} bytes after its last tensor`);
  return { tensors, meta: header.meta as M };
}
