// A KServe V2 gRPC client for the bench: one channel (HTTP/2 multiplexes every call), ModelInfer with one FP32 row
// sent as typed contents, the request object built once.
import * as grpc from '@grpc/grpc-js';
import { connectInferenceClient } from '@aviary/testing';

export interface InferOutput {
  name: string;
  datatype: string;
  shape: string[];
  contents: Record<string, unknown[]> | null;
}

export interface GrpcInferTarget {
  send(): Promise<void>;
  /** One call whose answer is returned, for the warm-up check. */
  inferOnce(): Promise<{ model_name: string; model_version: string; outputs: InferOutput[] }>;
  close(): void;
}

type Callback = (error: grpc.ServiceError | null, response: unknown) => void;
type InferenceClient = grpc.Client & {
  ModelInfer(request: unknown, options: grpc.CallOptions, callback: Callback): void;
};

export function grpcInfer(options: {
  address: string;
  model: string;
  input: string;
  features: Float32Array;
  timeoutMs: number;
}): GrpcInferTarget {
  const client = connectInferenceClient<InferenceClient>(options.address);
  const request = {
    model_name: options.model,
    inputs: [
      {
        name: options.input,
        datatype: 'FP32',
        shape: [1, options.features.length],
        contents: { fp32_contents: Array.from(options.features) },
      },
    ],
  };
  const timeoutMs = options.timeoutMs;
  const call = <T>() =>
    new Promise<T>((resolve, reject) => {
      client.ModelInfer(request, { deadline: Date.now() + timeoutMs }, (error, response) => {
        if (error) reject(new Error(`gRPC ${grpc.status[error.code]}: ${error.details}`));
        else resolve(response as T);
      });
    });
  return {
    send: () => call<void>(),
    inferOnce: () => call(),
    close: () => client.close(),
  };
}
