// The messages of the KServe V2 gRPC definition (libs/contracts/proto) as they look in JS when the .proto is loaded
// with PROTO_LOADER_OPTIONS.
import { join } from 'node:path';
import type { Options } from '@grpc/proto-loader';

export const PROTO_FILE = join('libs', 'contracts', 'proto', 'grpc_predict_v2.proto');
export const SERVICE_NAME = 'inference.GRPCInferenceService';

/**
 * keepCase: field names exactly as in the .proto (raw_input_contents). longs: String keeps 64-bit integers
 * exact (int64 tensors and shapes); numbers would round beyond 2^53. defaults: absent fields decode as
 * '' / [] / null, so handlers never meet undefined.
 */
export const PROTO_LOADER_OPTIONS: Options = {
  keepCase: true,
  longs: String,
  enums: String,
  defaults: true,
  oneofs: true,
};

/** 64-bit integers as they decode (decimal strings) and as they may be encoded (numbers or strings). */
export type Int64In = string;
export type Int64Out = number | string;

export interface InferParameter {
  bool_param?: boolean;
  int64_param?: Int64In;
  string_param?: string;
  parameter_choice?: 'bool_param' | 'int64_param' | 'string_param';
}

export interface InferTensorContents {
  bool_contents: boolean[];
  int_contents: number[];
  int64_contents: Int64In[];
  uint_contents: number[];
  uint64_contents: Int64In[];
  fp32_contents: number[];
  fp64_contents: number[];
  bytes_contents: Uint8Array[];
}

export type ContentsField = keyof InferTensorContents;

export interface InferInputTensor {
  name: string;
  datatype: string;
  shape: Int64In[];
  parameters: Record<string, InferParameter>;
  contents: InferTensorContents | null;
}

export interface ModelInferRequest {
  model_name: string;
  model_version: string;
  id: string;
  parameters: Record<string, InferParameter>;
  inputs: InferInputTensor[];
  outputs: { name: string; parameters: Record<string, InferParameter> }[];
  raw_input_contents: Uint8Array[];
}

/** What the server sends: the encoder fills absent fields with defaults. */
export interface InferOutputTensor {
  name: string;
  datatype: string;
  shape: Int64Out[];
  contents?: Partial<Record<ContentsField, unknown[]>>;
}

export interface ModelInferResponse {
  model_name: string;
  model_version: string;
  id: string;
  /** `variant`: the version flag's variant that picked the version, when a flag did. */
  parameters?: Record<string, InferParameter>;
  outputs: InferOutputTensor[];
  raw_output_contents: Uint8Array[];
}

export interface ModelRequest {
  name: string;
  version: string;
}

export interface TensorMetadataMessage {
  name: string;
  datatype: string;
  shape: Int64Out[];
}

export interface ModelMetadataResponse {
  name: string;
  versions: string[];
  platform: string;
  inputs: TensorMetadataMessage[];
  outputs: TensorMetadataMessage[];
  parameters: Record<string, InferParameter>;
}
