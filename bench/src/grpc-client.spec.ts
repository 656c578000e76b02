import { workspaceRoot } from '@aviary/testing';
import * as grpc from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import { join } from 'node:path';
import { grpcFrame, grpcInfer, GrpcInferTarget } from './grpc-client';

interface Received {
  model_name: string;
  inputs: { name: string; shape: string[]; contents: { fp32_contents: number[] } }[];
}

describe('grpcInfer against a real grpc-js server on the KServe proto', () => {
  let server: grpc.Server;
  let address: string;
  let target: GrpcInferTarget | undefined;
  const received: Received[] = [];

  beforeAll(async () => {
    const definition = loadSync(join(workspaceRoot(), 'libs', 'contracts', 'proto', 'grpc_predict_v2.proto'), {
      keepCase: true,
      longs: String,
      defaults: true,
    });
    const service = (
      grpc.loadPackageDefinition(definition).inference as unknown as {
        GRPCInferenceService: { service: grpc.ServiceDefinition };
      }
    ).GRPCInferenceService.service;
    server = new grpc.Server();
    server.addService(service, {
      ModelInfer: (call: grpc.ServerUnaryCall<Received, unknown>, callback: grpc.sendUnaryData<unknown>) => {
        received.push(call.request);
        if (call.request.model_name === 'missing')
          return callback({ code: grpc.status.NOT_FOUND, details: 'unknown model "missing" (50% sure)' });
        callback(null, {
          model_name: call.request.model_name,
          model_version: '7',
          outputs: [{ name: 'y', datatype: 'FP32', shape: [1], contents: { fp32_contents: [0.5] } }],
        });
      },
    });
    const port = await new Promise<number>((resolve, reject) =>
      server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (e, p) => (e ? reject(e) : resolve(p))),
    );
    address = `127.0.0.1:${port}`;
  });

  afterEach(() => {
    target?.close();
    target = undefined;
    received.length = 0;
  });

  afterAll(() => server.forceShutdown());

  const infer = (model: string) =>
    (target = grpcInfer({ address, model, input: 'x', features: new Float32Array([1.5, -2]), timeoutMs: 2000 }));

  it('sends the pre-encoded ModelInfer request on every call, and resolves on an OK answer', async () => {
    const client = infer('m');
    await Promise.all([client.send(), client.send(), client.send()]);

    expect(received).toHaveLength(3);
    for (const request of received) {
      expect(request.model_name).toBe('m');
      expect(request.inputs[0]).toMatchObject({ name: 'x', shape: ['1', '2'], contents: { fp32_contents: [1.5, -2] } });
    }
  });

  it('decodes the checked call in full', async () => {
    await expect(infer('m').inferOnce()).resolves.toMatchObject({ model_name: 'm', model_version: '7' });
  });

  it('rejects with the gRPC status and its percent-decoded message', async () => {
    await expect(infer('missing').send()).rejects.toThrow('gRPC NOT_FOUND: unknown model "missing" (50% sure)');
  });

  it('rejects when nothing listens', async () => {
    const closed = new grpc.Server();
    const port = await new Promise<number>((resolve, reject) =>
      closed.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (e, p) => (e ? reject(e) : resolve(p))),
    );
    closed.forceShutdown();
    target = grpcInfer({
      address: `127.0.0.1:${port}`,
      model: 'm',
      input: 'x',
      features: new Float32Array(1),
      timeoutMs: 500,
    });
    await expect(target.send()).rejects.toThrow();
  });

  it('frames a message with the uncompressed flag and a big-endian length', () => {
    expect([...grpcFrame(new Uint8Array([7, 8, 9]))]).toEqual([0, 0, 0, 0, 3, 7, 8, 9]);
  });
});
