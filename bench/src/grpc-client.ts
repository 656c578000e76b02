// A KServe V2 gRPC client for the bench. The checked call goes through @grpc/grpc-js and is decoded in full; the
// load goes over one HTTP/2 session with the ModelInfer message encoded and framed once, as ghz and h2load do:
// grpc-js spent ~0.3-0.5 ms of CPU per call on the bench's side, more than the gateway it was measuring.
import * as grpc from '@grpc/grpc-js';
import { connectInferenceClient } from '@aviary/testing';
import { ClientHttp2Session, connect, constants } from 'node:http2';

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
interface MethodDefinition {
  path: string;
  requestSerialize(value: unknown): Buffer;
}
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
  const { timeoutMs } = options;
  const method = (client.constructor as unknown as { service: Record<string, MethodDefinition> }).service.ModelInfer;
  const raw = rawUnaryCall({ address: options.address, path: method.path, timeoutMs });
  const frame = grpcFrame(method.requestSerialize(request));
  return {
    send: () => raw.call(frame),
    inferOnce: () =>
      new Promise((resolve, reject) => {
        client.ModelInfer(request, { deadline: Date.now() + timeoutMs }, (error, response) => {
          if (error) reject(new Error(`gRPC ${grpc.status[error.code]}: ${error.details}`));
          else resolve(response as Awaited<ReturnType<GrpcInferTarget['inferOnce']>>);
        });
      }),
    close: () => {
      raw.close();
      client.close();
    },
  };
}

/** A gRPC length-prefixed message: 1 byte "not compressed", 4 bytes big-endian length, the message. */
export function grpcFrame(message: Uint8Array): Buffer {
  const frame = Buffer.alloc(5 + message.length);
  frame.writeUInt32BE(message.length, 1);
  frame.set(message, 5);
  return frame;
}

/**
 * Unary calls on one HTTP/2 session. A call resolves when the server ends it with grpc-status 0 after a response
 * message; any other status (in trailers, or trailers-only headers) rejects with the status and its message.
 */
export function rawUnaryCall(options: { address: string; path: string; timeoutMs: number }) {
  let session: ClientHttp2Session | undefined;
  const open = () => {
    if (session && !session.closed && !session.destroyed) return session;
    const opened = connect(`http://${options.address}`);
    opened.on('error', () => undefined); // each stream reports its own failure
    return (session = opened);
  };
  const headers = {
    [constants.HTTP2_HEADER_METHOD]: 'POST',
    [constants.HTTP2_HEADER_PATH]: options.path,
    [constants.HTTP2_HEADER_CONTENT_TYPE]: 'application/grpc',
    [constants.HTTP2_HEADER_TE]: 'trailers',
    'grpc-timeout': `${options.timeoutMs}m`,
  };
  return {
    call: (frame: Buffer) =>
      new Promise<void>((resolve, reject) => {
        const stream = open().request(headers);
        let received = 0;
        let status: string | undefined;
        let message = '';
        const readStatus = (fields: Record<string, unknown>) => {
          if (fields['grpc-status'] === undefined) return;
          status = String(fields['grpc-status']);
          message = decodeURIComponent(String(fields['grpc-message'] ?? ''));
        };
        stream.setTimeout(options.timeoutMs, () => stream.close(constants.NGHTTP2_CANCEL));
        stream.on('response', readStatus);
        stream.on('trailers', readStatus);
        stream.on('data', (chunk: Buffer) => (received += chunk.length));
        stream.on('error', reject);
        stream.on('close', () => {
          if (status === '0' && received > 5) resolve();
          else if (status === undefined) reject(new Error('gRPC call ended without a status'));
          else reject(new Error(`gRPC ${grpc.status[Number(status)] ?? status}: ${message}`));
        });
        stream.end(frame);
      }),
    close: () => session?.close(),
  };
}
