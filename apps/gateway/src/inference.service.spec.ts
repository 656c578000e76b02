import { NO_PREDICTION_LOG } from '@aviary/site-telemetry';
import 'reflect-metadata';
import { InferCommand, invalid, ModelManifest, Tensor, TensorMetadata } from '@aviary/contracts';
import { checkInferRequest } from '@aviary/inference-engine';
import { GatewayConfig } from './config';
import { InferenceService } from './inference.service';
import { ModelCatalog } from './model-catalog';
import { ModelRouter } from './model-router';
import { ModelServices } from './model-services';

const ROW_WISE: Pick<ModelManifest, 'inputs' | 'outputs'> = {
  inputs: [{ name: 'features', datatype: 'FP32', shape: [-1, 2] }],
  outputs: [
    { name: 'sum', datatype: 'FP32', shape: [-1] },
    { name: 'doubled', datatype: 'FP32', shape: [-1, 2] },
  ],
};

const manifestOf = (signature: Pick<ModelManifest, 'inputs' | 'outputs'>): ModelManifest => ({
  name: 'adder',
  version: '3',
  platform: 'onnxruntime',
  objectName: 'adder/3/model.onnx',
  sha256: 'a'.repeat(64),
  sizeBytes: 1,
  metrics: {},
  createdAt: '2025-01-01T00:00:00.000Z',
  ...signature,
});

/**
 * An inference replica stand-in: validates like the real one, then answers each row's sum and the row doubled,
 * or (`total`) one sum over every row, an output that does not follow the input rows. NaN makes it reject the call.
 */
function fakeReplica(manifest: ModelManifest) {
  const calls: { rows: number; outputs?: string[] }[] = [];
  const infer = async (_model: string, _version: string, inputs: readonly Tensor[], outputs?: string[]) => {
    const wanted = checkInferRequest(manifest, inputs, outputs);
    const [{ shape, data }] = inputs;
    const values = Array.from(data as Float32Array);
    calls.push({ rows: shape[0], outputs });
    if (values.some(Number.isNaN)) throw invalid('the model rejected the inputs: NaN');
    const sums = Array.from({ length: shape[0] }, (_, r) => values[2 * r] + values[2 * r + 1]);
    const computed: Record<string, Tensor> = {
      sum: { name: 'sum', datatype: 'FP32', shape: [shape[0]], data: Float32Array.from(sums) },
      doubled: { name: 'doubled', datatype: 'FP32', shape, data: Float32Array.from(values, (v) => 2 * v) },
      total: { name: 'total', datatype: 'FP32', shape: [1], data: Float32Array.of(values.reduce((n, v) => n + v, 0)) },
    };
    return wanted.map((name) => computed[name]);
  };
  return { calls, infer };
}

function subject(options: { signature?: typeof ROW_WISE; maxBatch?: number; maxMessageBytes?: number } = {}) {
  const manifest = manifestOf(options.signature ?? ROW_WISE);
  const replica = fakeReplica(manifest);
  const catalog = {} as ModelCatalog;
  const router = { route: () => ({ manifest }) } as unknown as ModelRouter;
  const services = {
    infer: replica.infer,
    maxMessageBytes: () => options.maxMessageBytes ?? 1024 * 1024,
  } as unknown as ModelServices;
  const config = { AVIARY_INFER_MAX_BATCH: options.maxBatch ?? 64 } as GatewayConfig;
  return { service: new InferenceService(catalog, router, services, config, NO_PREDICTION_LOG), calls: replica.calls };
}

/** A request of `rows` rows, row r being [first + r, 10 * (first + r)]. */
const request = (rows: number, first: number, extra: Partial<InferCommand> = {}): InferCommand => ({
  model: 'adder',
  id: `req-${first}`,
  inputs: [
    {
      name: 'features',
      datatype: 'FP32',
      shape: [rows, 2],
      data: Float32Array.from({ length: 2 * rows }, (_, i) => (i % 2 ? 10 : 1) * (first + Math.floor(i / 2))),
    },
  ],
  ...extra,
});

/** What a request answers alone, on a service of its own. */
const alone = (command: InferCommand, signature?: typeof ROW_WISE) => subject({ signature }).service.infer(command);

describe('InferenceService.infer', () => {
  it('runs concurrent requests of 1, 3 and 5 rows as one call, answering each exactly what it gets alone', async () => {
    const { service, calls } = subject();
    const commands = [request(1, 0), request(3, 1), request(5, 4)];
    const answers = await Promise.all(commands.map((c) => service.infer(c)));
    expect(calls).toEqual([{ rows: 9, outputs: undefined }]);
    for (const [i, command] of commands.entries()) expect(answers[i]).toEqual(await alone(command));
    expect(answers.map((a) => [a.id, a.version])).toEqual([
      ['req-0', '3'],
      ['req-1', '3'],
      ['req-4', '3'],
    ]);
  });

  it('sends a lone request on as it came, without waiting', async () => {
    const { service, calls } = subject();
    const answer = await service.infer(request(2, 7));
    expect(calls).toEqual([{ rows: 2, outputs: undefined }]);
    expect(answer.outputs[0]).toEqual({ name: 'sum', datatype: 'FP32', shape: [2], data: Float32Array.of(77, 88) });
  });

  it("fails a request the model's signature refuses on its own, with the replica's message", async () => {
    const { service, calls } = subject();
    const bad = request(1, 9, {
      inputs: [{ name: 'features', datatype: 'FP32', shape: [1, 3], data: new Float32Array(3) }],
    });
    const results = await Promise.allSettled([request(1, 0), bad, request(2, 1)].map((c) => service.infer(c)));
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect((results[1] as PromiseRejectedResult).reason).toMatchObject({
      code: 'INVALID_ARGUMENT',
      message: 'input "features" has shape [1,3]; the model expects [-1,2] (-1 = any size)',
    });
    expect(calls).toEqual([{ rows: 3, outputs: undefined }]);
  });

  it('reruns a batch the model rejects request by request, so only the bad request fails', async () => {
    const { service, calls } = subject();
    const bad = request(1, 9, {
      inputs: [{ name: 'features', datatype: 'FP32', shape: [1, 2], data: Float32Array.of(NaN, 1) }],
    });
    const results = await Promise.allSettled([request(1, 0), bad, request(2, 1)].map((c) => service.infer(c)));
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect((results[0] as PromiseFulfilledResult<unknown>).value).toEqual(await alone(request(1, 0)));
    expect(calls.map((c) => c.rows)).toEqual([4, 1, 1, 2]);
  });

  it('batches only requests that ask for the same outputs', async () => {
    const { service, calls } = subject();
    const answers = await Promise.all([
      service.infer(request(1, 0, { outputs: ['doubled'] })),
      service.infer(request(1, 1)),
      service.infer(request(2, 2, { outputs: ['doubled'] })),
    ]);
    expect(calls).toEqual([
      { rows: 3, outputs: ['doubled'] },
      { rows: 1, outputs: undefined },
    ]);
    expect(answers[2].outputs).toEqual([
      { name: 'doubled', datatype: 'FP32', shape: [2, 2], data: Float32Array.of(4, 40, 6, 60) },
    ]);
  });

  it('keeps a batch within AVIARY_INFER_MAX_BATCH rows and within half a NATS message', async () => {
    const byRows = subject({ maxBatch: 4 });
    await Promise.all([request(3, 0), request(1, 3), request(2, 4)].map((c) => byRows.service.infer(c)));
    expect(byRows.calls.map((c) => c.rows)).toEqual([4, 2]);

    // 2 rows of FP32 [2] are 16 bytes: half of a 40-byte message takes one such request.
    const byBytes = subject({ maxMessageBytes: 40 });
    await Promise.all([request(2, 0), request(2, 2)].map((c) => byBytes.service.infer(c)));
    expect(byBytes.calls.map((c) => c.rows)).toEqual([2, 2]);
  });

  it.each<[string, TensorMetadata[]]>([
    ['a fixed first dimension', [{ name: 'total', datatype: 'FP32', shape: [1] }]],
    ['no dimension at all', [{ name: 'total', datatype: 'FP32', shape: [] }]],
  ])('never batches a model with an output of %s', async (_case, outputs) => {
    const signature = { ...ROW_WISE, outputs };
    const { service, calls } = subject({ signature });
    await Promise.all([request(1, 0), request(2, 1)].map((c) => service.infer(c)));
    expect(calls.map((c) => c.rows)).toEqual([1, 2]);
  });

  it('runs each request alone when the outputs do not follow the rows after all, and stops batching that version', async () => {
    // The manifest claims a row per output, but the model answers one total for the whole call.
    const signature = { ...ROW_WISE, outputs: [{ name: 'total', datatype: 'FP32' as const, shape: [-1] }] };
    const { service, calls } = subject({ signature });
    const commands = [request(1, 0), request(2, 1)];
    const answers = await Promise.all(commands.map((c) => service.infer(c)));
    for (const [i, command] of commands.entries()) expect(answers[i]).toEqual(await alone(command, signature));
    await Promise.all(commands.map((c) => service.infer(c)));
    expect(calls.map((c) => c.rows)).toEqual([3, 1, 2, 1, 2]);
  });
});
