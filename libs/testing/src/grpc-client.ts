// A plain @grpc/grpc-js client for inference.GRPCInferenceService, loaded from the project's proto with the
// options a KServe/Triton Node client would use: field names as in the .proto, exact 64-bit integers.
import * as grpc from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import { join } from 'node:path';
import { workspaceRoot } from '@aviary/supervisor';

export function connectInferenceClient<Client>(address: string): Client {
  const definition = loadSync(join(workspaceRoot(), 'libs', 'contracts', 'proto', 'grpc_predict_v2.proto'), {
    keepCase: true,
    longs: String,
    enums: String,
    defaults: true,
    oneofs: true,
  });
  const inference = grpc.loadPackageDefinition(definition).inference as unknown as {
    GRPCInferenceService: new (address: string, credentials: grpc.ChannelCredentials) => Client;
  };
  return new inference.GRPCInferenceService(address, grpc.credentials.createInsecure());
}

/** The client once its channel is connected: the gateway opens its gRPC port right after the HTTP one. */
export async function connectReadyInferenceClient<Client extends grpc.Client>(address: string): Promise<Client> {
  const client = connectInferenceClient<Client>(address);
  await new Promise<void>((resolve, reject) =>
    client.waitForReady(Date.now() + 10_000, (error) => (error ? reject(error) : resolve())),
  );
  return client;
}

/** The client's ModelInfer, as the e2e tests call it: the request, the call's metadata and a deadline. */
export type ModelInferClient = grpc.Client & {
  ModelInfer(
    request: object,
    metadata: grpc.Metadata,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<unknown>,
  ): void;
};

/** One ModelInfer call with the metadata given, answered within 10 s. */
export function modelInfer<Reply>(client: ModelInferClient, request: object, metadata = new grpc.Metadata()) {
  return new Promise<Reply>((resolve, reject) =>
    client.ModelInfer(request, metadata, { deadline: Date.now() + 10_000 }, (e, r) =>
      e ? reject(e) : resolve(r as Reply),
    ),
  );
}
