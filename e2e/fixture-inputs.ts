// The same inputs written the three ways a client may send them (OIP JSON, KServe typed contents, KServe raw
// contents) and the gRPC answers read back as plain values, so one spec can compare REST and gRPC.
import { Datatype, fromRawBytes, Tensor, toRawBytes } from '@aviary/contracts';

/** OIP JSON carries numbers; int64 typed arrays hold bigints. */
export const plain = (tensor: Tensor) =>
  Array.from(tensor.data as ArrayLike<number | bigint | string>, (v) => (typeof v === 'bigint' ? Number(v) : v));

export const toOipJson = (inputs: Tensor[]) =>
  inputs.map((t) => ({ name: t.name, datatype: t.datatype, shape: t.shape, data: plain(t) }));

function typedContents({ name, datatype, data }: Tensor): Record<string, unknown[]> {
  switch (datatype) {
    case 'FP32':
      return { fp32_contents: Array.from(data as Float32Array) };
    case 'INT64':
      return { int64_contents: Array.from(data as BigInt64Array, String) };
    case 'BYTES':
      return { bytes_contents: (data as string[]).map((s) => Buffer.from(s, 'utf8')) };
    default:
      throw new Error(`input "${name}": no typed contents for ${datatype} in these fixtures`);
  }
}

/** A ModelInfer request with every input in `contents`. */
export const typedRequest = (model: string, inputs: Tensor[]) => ({
  model_name: model,
  inputs: inputs.map((t) => ({ name: t.name, datatype: t.datatype, shape: t.shape, contents: typedContents(t) })),
});

/** A ModelInfer request with every input in `raw_input_contents` (BYTES: 4-byte LE length + UTF-8 per element). */
export const rawRequest = (model: string, inputs: Tensor[]) => ({
  model_name: model,
  inputs: inputs.map((t) => ({ name: t.name, datatype: t.datatype, shape: t.shape })),
  raw_input_contents: inputs.map((t) => Buffer.from(toRawBytes(t.datatype, t.data))),
});

export interface GrpcOutput {
  name: string;
  datatype: string;
  shape: string[];
  contents: { fp32_contents: number[]; int64_contents: string[] } | null;
}

export interface GrpcInferResponse {
  model_name: string;
  model_version: string;
  id: string;
  outputs: GrpcOutput[];
  raw_output_contents: Buffer[];
}

export interface PlainOutput {
  datatype: string;
  shape: number[];
  data: (number | string)[];
}

/** Outputs by name, from typed or raw contents; int64 labels as numbers like OIP JSON. */
export function readGrpcOutputs(response: GrpcInferResponse): Record<string, PlainOutput> {
  return Object.fromEntries(
    response.outputs.map((o, i) => {
      const shape = o.shape.map(Number);
      const data =
        response.raw_output_contents.length > 0
          ? plain({
              name: o.name,
              datatype: o.datatype as Datatype,
              shape,
              data: fromRawBytes(o.datatype as Datatype, shape, response.raw_output_contents[i], o.name),
            })
          : o.datatype === 'INT64'
            ? (o.contents?.int64_contents ?? []).map(Number)
            : (o.contents?.fp32_contents ?? []);
      return [o.name, { datatype: o.datatype, shape, data }];
    }),
  );
}
