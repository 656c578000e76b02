// Binary envelope for tensors on NATS: a JSON header then each tensor's raw bytes (framing.ts), so tensors never
// pass through JSON number arrays between services.
import { z } from 'zod';
import { invalid } from './errors';
import { decodeFrame, encodeFrame } from './framing';
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
  return encodeFrame(header, payloads);
}

export function decodeTensors<M = Record<string, never>>(message: Uint8Array): { tensors: Tensor[]; meta: M } {
  const frame = decodeFrame(message, 'tensor envelope');
  const header = parseOrThrow(headerSchema, frame.header, 'tensor envelope header');
  const tensors = header.tensors.map((t) => {
    if (!isDatatype(t.datatype)) throw invalid(`tensor "${t.name}": unknown datatype "${t.datatype}"`);
    return {
      name: t.name,
      datatype: t.datatype,
      shape: t.shape,
      data: fromRawBytes(t.datatype, t.shape, frame.payloads.next(t.byteLength), `tensor "${t.name}"`),
    };
  });
  frame.payloads.end();
  return { tensors, meta: header.meta as M };
}
