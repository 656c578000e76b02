// The gRPC door against the real stack: a plain @grpc/grpc-js client on the KServe V2 proto, as any KServe or
// Triton client would call it; answers agree between typed contents, raw contents and REST.
import { fromRawBytes, toRawBytes } from '@aviary/contracts';
import { connectReadyInferenceClient, startStack, Stack, waitFor } from '@aviary/testing';
import * as grpc from '@grpc/grpc-js';
import { OtlpReceiver } from './otlp-receiver';
import { postJson } from './support';

const OTLP_SERVER = 2;
const OTLP_CLIENT = 3;

type Method = 'ServerLive' | 'ServerReady' | 'ModelReady' | 'ServerMetadata' | 'ModelMetadata' | 'ModelInfer';
type Callback = (error: grpc.ServiceError | null, response: any) => void;
type InferenceClient = grpc.Client &
  Record<Method, (request: object, metadata: grpc.Metadata, options: grpc.CallOptions, callback: Callback) => void>;

interface InferOutput {
  name: string;
  datatype: string;
  shape: string[];
  contents: { fp32_contents: number[]; int64_contents: string[] } | null;
}

interface InferResponse {
  model_name: string;
  model_version: string;
  id: string;
  outputs: InferOutput[];
  raw_output_contents: Buffer[];
}

describe('gRPC gateway', () => {
  const receiver = new OtlpReceiver();
  let stack: Stack;
  let client: InferenceClient;
  let width: number;

  const call = <T = any>(method: Method, request: object, metadata = new grpc.Metadata()): Promise<T> =>
    new Promise((resolve, reject) =>
      client[method](request, metadata, { deadline: Date.now() + 10_000 }, (error, response) =>
        error ? reject(error) : resolve(response),
      ),
    );

  /** The status and message of a call expected to fail. */
  const failure = async (pending: Promise<unknown>) => {
    const error = await pending.then(
      () => undefined,
      (e: grpc.ServiceError) => e,
    );
    if (!error) throw new Error('expected the call to fail');
    return { code: grpc.status[error.code], details: error.details };
  };

  const rows = () => [
    Array.from({ length: width }, (_, i) => i / 10),
    Array.from({ length: width }, (_, i) => (i % 3) - 1),
  ];

  beforeAll(async () => {
    const endpoint = await receiver.start();
    stack = await startStack({
      env: {
        AVIARY_MAX_BODY_BYTES: String(64 * 1024),
        OTEL_EXPORTER_OTLP_ENDPOINT: endpoint,
        OTEL_BSP_SCHEDULE_DELAY: '100',
      },
    });
    await stack.waitForModel('flight-delay');
    await stack.waitForModel('flight-delay', '1');
    await stack.waitForModel('penguin-species');
    client = await connectReadyInferenceClient<InferenceClient>(stack.gateway.grpcAddress);
    width = Number((await call('ModelMetadata', { name: 'flight-delay' })).inputs[0].shape[1]);
  });

  afterAll(async () => {
    client?.close();
    await stack?.stop();
    await receiver.stop();
  });

  it('reports the server live, ready and its metadata', async () => {
    expect(await call('ServerLive', {})).toEqual({ live: true });
    expect(await call('ServerReady', {})).toEqual({ ready: true });
    expect(await call('ServerMetadata', {})).toEqual({
      name: 'aviary',
      version: expect.any(String),
      extensions: expect.any(Array),
    });
  });

  it('describes a model and one version, with int64 shapes', async () => {
    const model = await call('ModelMetadata', { name: 'flight-delay' });
    expect(model).toMatchObject({ name: 'flight-delay', versions: ['1', '2'], platform: 'onnxruntime' });
    expect(model.inputs).toEqual([{ name: 'features', datatype: 'FP32', shape: ['-1', String(width)] }]);
    expect(model.outputs).toEqual(
      expect.arrayContaining([
        { name: 'label', datatype: 'INT64', shape: ['-1'] },
        { name: 'probabilities', datatype: 'FP32', shape: ['-1', '2'] },
      ]),
    );
    const v1 = await call('ModelMetadata', { name: 'flight-delay', version: '1' });
    expect(v1).toMatchObject({ name: 'flight-delay', versions: ['1'] });
    expect(Number(v1.inputs[0].shape[1])).toBeLessThan(width);
  });

  it('reports models and versions ready, and NOT_FOUND for unknown ones', async () => {
    expect(await call('ModelReady', { name: 'flight-delay' })).toEqual({ ready: true });
    expect(await call('ModelReady', { name: 'flight-delay', version: '1' })).toEqual({ ready: true });
    expect(await call('ModelReady', { name: 'penguin-species' })).toEqual({ ready: true });
    expect(await failure(call('ModelReady', { name: 'no-such-model' }))).toEqual({
      code: 'NOT_FOUND',
      details: 'unknown model "no-such-model"',
    });
    expect((await failure(call('ModelReady', { name: 'flight-delay', version: '9' }))).code).toBe('NOT_FOUND');
    expect((await failure(call('ModelMetadata', { name: 'no-such-model' }))).code).toBe('NOT_FOUND');
  });

  it('gives the same answer for typed contents, raw contents and REST', async () => {
    const data = rows();
    const typed = await call<InferResponse>('ModelInfer', {
      model_name: 'flight-delay',
      id: 'grpc-1',
      inputs: [{ name: 'features', datatype: 'FP32', shape: [2, width], contents: { fp32_contents: data.flat() } }],
    });
    const raw = await call<InferResponse>('ModelInfer', {
      model_name: 'flight-delay',
      inputs: [{ name: 'features', datatype: 'FP32', shape: [2, width] }],
      raw_input_contents: [toRawBytes('FP32', new Float32Array(data.flat()))],
    });
    const rest = await postJson(`${stack.gateway.httpUrl}/v2/models/flight-delay/infer`, {
      inputs: [{ name: 'features', datatype: 'FP32', shape: [2, width], data }],
    });

    expect(typed).toMatchObject({
      model_name: 'flight-delay',
      model_version: '2',
      id: 'grpc-1',
      raw_output_contents: [],
    });
    expect(raw).toMatchObject({ model_name: 'flight-delay', model_version: '2', id: '' });
    expect(rest.status).toBe(200);

    const typedOut = Object.fromEntries(typed.outputs.map((o) => [o.name, o]));
    expect(typedOut.probabilities).toMatchObject({ datatype: 'FP32', shape: ['2', '2'] });
    expect(typedOut.label).toMatchObject({ datatype: 'INT64', shape: ['2'] });
    const typedProbabilities = typedOut.probabilities.contents!.fp32_contents;
    const typedLabels = typedOut.label.contents!.int64_contents;
    expect(typedProbabilities[0] + typedProbabilities[1]).toBeCloseTo(1, 5);

    // Raw answers: no typed contents, one raw buffer per output, in the order of outputs.
    expect(raw.outputs.every((o) => o.contents === null)).toBe(true);
    expect(raw.raw_output_contents).toHaveLength(raw.outputs.length);
    const rawOut = Object.fromEntries(
      raw.outputs.map((o, i) => [
        o.name,
        fromRawBytes(o.datatype as 'FP32' | 'INT64', o.shape.map(Number), raw.raw_output_contents[i], o.name),
      ]),
    );
    expect(Array.from(rawOut.probabilities as Float32Array)).toEqual(typedProbabilities);
    expect(Array.from(rawOut.label as BigInt64Array, String)).toEqual(typedLabels);

    const restOut = Object.fromEntries(
      (rest.body.outputs as { name: string; data: number[] }[]).map((o) => [o.name, o.data]),
    );
    expect(restOut.probabilities).toEqual(typedProbabilities);
    expect(restOut.label.map(String)).toEqual(typedLabels);
  });

  it('infers on a named version and returns only the requested outputs', async () => {
    const v1Width = Number((await call('ModelMetadata', { name: 'flight-delay', version: '1' })).inputs[0].shape[1]);
    const response = await call<InferResponse>('ModelInfer', {
      model_name: 'flight-delay',
      model_version: '1',
      inputs: [
        {
          name: 'features',
          datatype: 'FP32',
          shape: [1, v1Width],
          contents: { fp32_contents: new Array(v1Width).fill(0) },
        },
      ],
      outputs: [{ name: 'label' }],
    });
    expect(response.model_version).toBe('1');
    expect(response.outputs).toEqual([expect.objectContaining({ name: 'label', datatype: 'INT64', shape: ['1'] })]);
  });

  it('answers INVALID_ARGUMENT for bad inputs, naming the input', async () => {
    const infer = (request: object) => failure(call('ModelInfer', { model_name: 'flight-delay', ...request }));
    expect(
      await infer({
        inputs: [{ name: 'features', datatype: 'FP32', shape: [1, width], contents: { fp32_contents: [1, 2] } }],
      }),
    ).toEqual({
      code: 'INVALID_ARGUMENT',
      details: `input "features": shape [1,${width}] needs ${width} elements, got 2 in contents.fp32_contents`,
    });
    expect(
      await infer({ inputs: [{ name: 'features', datatype: 'FLOAT', shape: [1], contents: { fp32_contents: [1] } }] }),
    ).toMatchObject({
      code: 'INVALID_ARGUMENT',
      details: expect.stringContaining('input "features": unknown datatype "FLOAT"'),
    });
    expect(
      await infer({
        inputs: [
          {
            name: 'features',
            datatype: 'FP32',
            shape: [1, width],
            contents: { fp32_contents: new Array(width).fill(0) },
          },
        ],
        raw_input_contents: [toRawBytes('FP32', new Float32Array(width))],
      }),
    ).toEqual({
      code: 'INVALID_ARGUMENT',
      details: 'input "features" sets contents while the request uses raw_input_contents; send every input one way',
    });
    expect(
      await infer({
        inputs: [{ name: 'features', datatype: 'FP32', shape: [1, width] }],
        raw_input_contents: [toRawBytes('FP32', new Float32Array(width)), new Uint8Array(4)],
      }),
    ).toMatchObject({
      code: 'INVALID_ARGUMENT',
      details: expect.stringContaining('raw_input_contents has 2 entries for 1 inputs'),
    });
    expect(
      await infer({
        inputs: [{ name: 'features', datatype: 'FP32', shape: [1, width] }],
        raw_input_contents: [new Uint8Array(width * 4 - 1)],
      }),
    ).toEqual({
      code: 'INVALID_ARGUMENT',
      details: `input "features": shape [1,${width}] of FP32 needs ${width * 4} bytes, got ${width * 4 - 1}`,
    });
  });

  it('answers NOT_FOUND for inference on an unknown model', async () => {
    const response = failure(
      call('ModelInfer', {
        model_name: 'no-such-model',
        inputs: [{ name: 'features', datatype: 'FP32', shape: [1], contents: { fp32_contents: [1] } }],
      }),
    );
    expect(await response).toEqual({ code: 'NOT_FOUND', details: 'unknown model "no-such-model"' });
  });

  it('answers NOT_FOUND for an unknown model or version whatever the inputs, none included', async () => {
    expect(await failure(call('ModelInfer', { model_name: 'no-such-model', inputs: [] }))).toEqual({
      code: 'NOT_FOUND',
      details: 'unknown model "no-such-model"',
    });
    const badInputs = [{ name: '', datatype: 'NOPE', shape: [-1] }];
    expect((await failure(call('ModelInfer', { model_name: 'no-such-model', inputs: badInputs }))).code).toBe(
      'NOT_FOUND',
    );
    expect(await failure(call('ModelInfer', { model_name: 'flight-delay', model_version: '9', inputs: [] }))).toEqual({
      code: 'NOT_FOUND',
      details: expect.stringMatching(/^model "flight-delay" has no version "9"/),
    });
  });

  it('answers RESOURCE_EXHAUSTED naming AVIARY_MAX_TENSOR_ELEMENTS for inputs that declare too many elements', async () => {
    const response = await failure(
      call('ModelInfer', {
        model_name: 'flight-delay',
        inputs: [{ name: 'features', datatype: 'FP32', shape: [1_000_000, 1_000_000] }],
        raw_input_contents: [new Uint8Array(4)],
      }),
    );
    expect(response).toEqual({
      code: 'RESOURCE_EXHAUSTED',
      details: expect.stringMatching(/AVIARY_MAX_TENSOR_ELEMENTS/),
    });
  });

  it('refuses a message larger than AVIARY_MAX_BODY_BYTES with RESOURCE_EXHAUSTED', async () => {
    const rowsCount = Math.ceil((80 * 1024) / (4 * width));
    const response = failure(
      call('ModelInfer', {
        model_name: 'flight-delay',
        inputs: [{ name: 'features', datatype: 'FP32', shape: [rowsCount, width] }],
        raw_input_contents: [new Uint8Array(rowsCount * width * 4)],
      }),
    );
    expect((await response).code).toBe('RESOURCE_EXHAUSTED');
  });

  it("continues the caller's trace: one SERVER span for the call, the NATS request its child", async () => {
    const traceId = '0af7651916cd43dd8448eb211c80319c';
    const metadata = new grpc.Metadata();
    metadata.set('traceparent', `00-${traceId}-b7ad6b7169203331-01`);
    await call(
      'ModelInfer',
      {
        model_name: 'flight-delay',
        inputs: [{ name: 'features', datatype: 'FP32', shape: [1, width], contents: { fp32_contents: rows()[0] } }],
      },
      metadata,
    );

    const spans = () => receiver.trace(traceId);
    const server = () => spans().find((s) => s.service === 'gateway' && s.kind === OTLP_SERVER);
    // Each service exports on its own schedule: wait for the gateway's SERVER span itself, not for inference's.
    await waitFor(
      'the gRPC call spans',
      async () => !!server() && spans().some((s) => s.service === 'inference'),
      10_000,
    );
    expect(server()).toMatchObject({
      name: 'grpc inference.GRPCInferenceService/ModelInfer',
      parentSpanId: 'b7ad6b7169203331',
    });
    const toInference = spans().find(
      (s) => s.service === 'gateway' && s.kind === OTLP_CLIENT && /infer\.flight-delay/.test(s.name),
    );
    expect(toInference?.parentSpanId).toBe(server()?.spanId);
  });

  it('counts gRPC calls in the gateway request metrics', async () => {
    const metrics = (await (await fetch(`${stack.gateway.httpUrl}/metrics`)).text()).split('\n');
    const counted = (code: string) =>
      metrics.filter(
        (line) =>
          line.startsWith('aviary_requests_total{') &&
          line.includes('route="/inference.GRPCInferenceService/ModelInfer"') &&
          line.includes(`code="${code}"`),
      );
    expect(
      counted('OK').some((line) => line.includes('model="flight-delay"') && Number(line.split(' ').pop()) >= 1),
    ).toBe(true);
    expect(counted('INVALID_ARGUMENT')).not.toHaveLength(0);
    expect(counted('NOT_FOUND')).not.toHaveLength(0);
  });
});
