import 'reflect-metadata';
import { AviaryError, InferCommand, notFound, SERVICE_NAME, Tensor, toRawBytes } from '@aviary/contracts';
import { metricsRegistry } from '@aviary/telemetry';
import {
  CallOptions,
  Client,
  credentials,
  makeGenericClientConstructor,
  Metadata,
  MetadataOptions,
  ServiceDefinition,
  ServiceError,
  status,
} from '@grpc/grpc-js';
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { SpanContext, SpanKind, trace } from '@opentelemetry/api';
import { createServer } from 'node:net';
import { GATEWAY_CONFIG, GatewayConfig } from '../config';
import { InferenceService } from '../inference.service';
import { GrpcInferenceServer } from './grpc-inference.server';
import { loadInferenceProto } from './inference-proto';
import { OipUseCases } from './oip.handlers';

const spans = new InMemorySpanExporter();
new NodeTracerProvider({ spanProcessors: [new SimpleSpanProcessor(spans)] }).register({
  propagator: new W3CTraceContextPropagator(),
});

const InferenceClient = makeGenericClientConstructor(
  loadInferenceProto()[SERVICE_NAME] as ServiceDefinition,
  'GRPCInferenceService',
);
type Method = 'ServerLive' | 'ServerReady' | 'ModelReady' | 'ServerMetadata' | 'ModelMetadata' | 'ModelInfer';

function call<T = Record<string, unknown>>(
  client: Client,
  method: Method,
  request: object,
  metadata = new Metadata(),
  options: CallOptions = {},
): Promise<T> {
  const unary = (
    client as unknown as Record<
      Method,
      (r: object, m: Metadata, o: CallOptions, cb: (e: ServiceError | null, v: T) => void) => void
    >
  )[method];
  return new Promise((resolve, reject) =>
    unary.call(client, request, metadata, { deadline: Date.now() + 3000, ...options }, (error, value) =>
      error ? reject(error) : resolve(value),
    ),
  );
}

async function failure(pending: Promise<unknown>): Promise<{ code: status; details: string }> {
  const error = (await pending.then(
    () => undefined,
    (e: ServiceError) => e,
  )) as ServiceError | undefined;
  if (!error) throw new Error('expected the call to fail');
  return { code: error.code, details: error.details };
}

const config = (overrides: Partial<GatewayConfig> = {}): GatewayConfig => ({
  NATS_URL: 'nats://127.0.0.1:4222',
  AVIARY_HOST: '127.0.0.1',
  LOG_LEVEL: 'silent',
  OTEL_BSP_SCHEDULE_DELAY: 1000,
  AVIARY_MODEL_FLAG_SET: 'default',
  AVIARY_OFREP_RATE_LIMIT: 0,
  AVIARY_PREDICTION_LOG_SAMPLE: 1,
  AVIARY_PREDICTION_LOG_PAYLOADS: false,
  AVIARY_TELEMETRY_SUMMARY_INTERVAL: 10_000,
  AVIARY_TELEMETRY_BUFFER: 20_000,
  AVIARY_HTTP_PORT: 0,
  AVIARY_GRPC_PORT: 0,
  AVIARY_MAX_BODY_BYTES: 64 * 1024,
  AVIARY_BATCH_UPLOAD_LIMIT: 1024 * 1024,
  AVIARY_PREDICT_MAX_BATCH: 64,
  AVIARY_SHADOW_MAX_IN_FLIGHT: 32,
  AVIARY_INFER_MAX_BATCH: 64,
  AVIARY_REQUEST_TIMEOUT_MS: 2000,
  AVIARY_MAX_JSON_DEPTH: 32,
  AVIARY_MAX_PREDICT_RECORDS: 100,
  AVIARY_MAX_TENSOR_ELEMENTS: 1000,
  AVIARY_MAX_STRING_BYTES: 1024,
  ...overrides,
});

/** InferenceService stand-in: one model, flight-delay (versions 1 and 2), whose inference echoes its inputs. */
function fakeUseCases(overrides: Partial<OipUseCases> = {}): OipUseCases {
  const known = (model: string, version?: string) => {
    if (model !== 'flight-delay') throw notFound(`unknown model "${model}"`);
    if (version !== undefined && !['1', '2'].includes(version))
      throw notFound(`model "${model}" has no version "${version}"; it has 1, 2`);
  };
  return {
    serverMetadata: () => ({ name: 'aviary', version: '0.1.0', extensions: [] }),
    serverReady: async () => ({ ready: true }),
    modelMetadata: (model, version) => {
      known(model, version);
      return {
        name: model,
        versions: version ? [version] : ['1', '2'],
        platform: 'onnxruntime_onnx',
        inputs: [{ name: 'features', datatype: 'FP32', shape: [-1, 17] }],
        outputs: [{ name: 'probabilities', datatype: 'FP32', shape: [-1, 2] }],
        parameters: { classes: ['on-time', 'late'] },
      };
    },
    modelReady: async (model, version) => {
      known(model, version);
      return true;
    },
    knows: (model) => model === 'flight-delay',
    check: (model, version) => known(model, version),
    infer: async (command: InferCommand) => {
      known(command.model, command.version);
      return { model: command.model, version: command.version ?? '2', id: command.id, outputs: command.inputs };
    },
    ...overrides,
  };
}

async function startServer(useCases = fakeUseCases(), overrides: Partial<GatewayConfig> = {}) {
  const server = new GrpcInferenceServer(config(overrides), useCases, undefined as never);
  const port = await server.start();
  const client = new InferenceClient(`127.0.0.1:${port}`, credentials.createInsecure());
  return { server, client, port };
}

async function metricValues(name: string) {
  const metric = metricsRegistry.getSingleMetric(name);
  if (!metric) throw new Error(`metric ${name} is not registered`);
  return (await metric.get()).values;
}

const features = (values: number[]) => ({
  name: 'features',
  datatype: 'FP32',
  shape: [1, values.length],
  contents: { fp32_contents: values },
});

describe('GrpcInferenceServer', () => {
  let subject: Awaited<ReturnType<typeof startServer>>;
  const useCases = fakeUseCases();

  beforeAll(async () => {
    subject = await startServer(useCases);
  });

  afterAll(async () => {
    subject.client.close();
    await subject.server.stop();
  });

  it('answers the health and server metadata methods', async () => {
    expect(await call(subject.client, 'ServerLive', {})).toEqual({ live: true });
    expect(await call(subject.client, 'ServerReady', {})).toEqual({ ready: true });
    expect(await call(subject.client, 'ServerMetadata', {})).toEqual({
      name: 'aviary',
      version: '0.1.0',
      extensions: [],
    });
  });

  it('reports a server that is not ready', async () => {
    const { server, client } = await startServer(
      fakeUseCases({ serverReady: async () => ({ ready: false, reason: 'no answer from inference' }) }),
    );
    expect(await call(client, 'ServerReady', {})).toEqual({ ready: false });
    client.close();
    await server.stop();
  });

  it('answers model metadata with int64 shapes, -1 for any size', async () => {
    const metadata = await call(subject.client, 'ModelMetadata', { name: 'flight-delay' });
    expect(metadata).toEqual({
      name: 'flight-delay',
      versions: ['1', '2'],
      platform: 'onnxruntime_onnx',
      inputs: [{ name: 'features', datatype: 'FP32', shape: ['-1', '17'] }],
      outputs: [{ name: 'probabilities', datatype: 'FP32', shape: ['-1', '2'] }],
      parameters: { classes: { string_param: '["on-time","late"]', parameter_choice: 'string_param' } },
    });
    expect(await call(subject.client, 'ModelMetadata', { name: 'flight-delay', version: '1' })).toMatchObject({
      versions: ['1'],
    });
  });

  it('answers model parameters as InferParameters: booleans, integers and strings as such, anything else as JSON text', async () => {
    const metadata = fakeUseCases().modelMetadata('flight-delay');
    const parameters = { calibrated: true, trees: 300, task: 'binary', threshold: 0.5, classes: [0, 1] };
    const { server, client } = await startServer(fakeUseCases({ modelMetadata: () => ({ ...metadata, parameters }) }));
    expect((await call(client, 'ModelMetadata', { name: 'flight-delay' })).parameters).toEqual({
      calibrated: { bool_param: true, parameter_choice: 'bool_param' },
      trees: { int64_param: '300', parameter_choice: 'int64_param' },
      task: { string_param: 'binary', parameter_choice: 'string_param' },
      threshold: { string_param: '0.5', parameter_choice: 'string_param' },
      classes: { string_param: '[0,1]', parameter_choice: 'string_param' },
    });
    client.close();
    await server.stop();
  });

  it('answers empty parameters for a model that has none', async () => {
    const metadata = { ...fakeUseCases().modelMetadata('flight-delay'), parameters: undefined };
    const { server, client } = await startServer(fakeUseCases({ modelMetadata: () => metadata }));
    expect((await call(client, 'ModelMetadata', { name: 'flight-delay' })).parameters).toEqual({});
    client.close();
    await server.stop();
  });

  it('answers NOT_FOUND for the metadata or readiness of an unknown model or version', async () => {
    expect(await failure(call(subject.client, 'ModelMetadata', { name: 'nope' }))).toEqual({
      code: status.NOT_FOUND,
      details: 'unknown model "nope"',
    });
    expect(await failure(call(subject.client, 'ModelReady', { name: 'nope' }))).toEqual({
      code: status.NOT_FOUND,
      details: 'unknown model "nope"',
    });
    expect((await failure(call(subject.client, 'ModelReady', { name: 'flight-delay', version: '9' }))).code).toBe(
      status.NOT_FOUND,
    );
  });

  it('answers INVALID_ARGUMENT when the model name is missing', async () => {
    expect(await failure(call(subject.client, 'ModelReady', {}))).toEqual({
      code: status.INVALID_ARGUMENT,
      details: 'name is required: the model to ask about',
    });
  });

  it('says a known model with no ready version is not ready, rather than failing', async () => {
    const { server, client } = await startServer(fakeUseCases({ modelReady: async () => false }));
    expect(await call(client, 'ModelReady', { name: 'flight-delay' })).toEqual({ ready: false });
    client.close();
    await server.stop();
  });

  it('runs inference on typed contents and answers typed contents', async () => {
    const response = await call(subject.client, 'ModelInfer', {
      model_name: 'flight-delay',
      id: 'r1',
      inputs: [features([0.5, -1])],
    });
    expect(response).toMatchObject({
      model_name: 'flight-delay',
      model_version: '2',
      id: 'r1',
      outputs: [{ name: 'features', datatype: 'FP32', shape: ['1', '2'], contents: { fp32_contents: [0.5, -1] } }],
      raw_output_contents: [],
    });
  });

  it('runs inference on raw_input_contents and answers raw_output_contents', async () => {
    const input: Tensor = { name: 'features', datatype: 'FP32', shape: [1, 2], data: new Float32Array([0.5, -1]) };
    const response = await call<{ outputs: { contents: unknown }[]; raw_output_contents: Buffer[] }>(
      subject.client,
      'ModelInfer',
      {
        model_name: 'flight-delay',
        model_version: '1',
        inputs: [{ name: 'features', datatype: 'FP32', shape: [1, 2] }],
        raw_input_contents: [toRawBytes('FP32', input.data)],
      },
    );
    expect(response.outputs).toMatchObject([{ name: 'features', contents: null }]);
    expect(response.raw_output_contents).toEqual([Buffer.from(toRawBytes('FP32', input.data))]);
  });

  it('answers INVALID_ARGUMENT naming the bad input', async () => {
    const pending = call(subject.client, 'ModelInfer', {
      model_name: 'flight-delay',
      inputs: [{ ...features([1, 2]), shape: [1, 3] }],
    });
    expect(await failure(pending)).toEqual({
      code: status.INVALID_ARGUMENT,
      details: 'input "features": shape [1,3] needs 3 elements, got 2 in contents.fp32_contents',
    });
  });

  it('answers NOT_FOUND when inferring on an unknown model', async () => {
    expect(await failure(call(subject.client, 'ModelInfer', { model_name: 'nope', inputs: [features([1])] }))).toEqual({
      code: status.NOT_FOUND,
      details: 'unknown model "nope"',
    });
  });

  it('answers NOT_FOUND for an unknown model or version whatever the inputs, none or bad ones included', async () => {
    const unknown = (request: object) => failure(call(subject.client, 'ModelInfer', request));
    expect(await unknown({ model_name: 'nope', inputs: [] })).toEqual({
      code: status.NOT_FOUND,
      details: 'unknown model "nope"',
    });
    expect(await unknown({ model_name: 'nope', inputs: [{ name: 'x', datatype: 'NOPE', shape: [1] }] })).toMatchObject({
      code: status.NOT_FOUND,
    });
    expect(await unknown({ model_name: 'flight-delay', model_version: '9', inputs: [] })).toEqual({
      code: status.NOT_FOUND,
      details: 'model "flight-delay" has no version "9"; it has 1, 2',
    });
    expect(await unknown({ inputs: [features([1])] })).toEqual({
      code: status.INVALID_ARGUMENT,
      details: 'model_name is required',
    });
  });

  it('answers INVALID_ARGUMENT, not INTERNAL, for bytes that are not a protobuf message', async () => {
    const raw = new Client(`127.0.0.1:${subject.port}`, credentials.createInsecure());
    const answer = await new Promise<ServiceError>((resolve) =>
      raw.makeUnaryRequest(
        `/${SERVICE_NAME}/ModelInfer`,
        (bytes: Buffer) => bytes,
        (bytes: Buffer) => bytes,
        Buffer.from([0x12]), // field 2, length-delimited, its length missing
        (error) => resolve(error as ServiceError),
      ),
    );
    raw.close();
    expect(answer.code).toBe(status.INVALID_ARGUMENT);
    expect(answer.details).toBe('the ModelInfer request is not a valid protobuf message of its type');
  });

  it('labels metrics with registered model names only', async () => {
    await failure(call(subject.client, 'ModelInfer', { model_name: 'made-up-model-name', inputs: [] }));
    const labels = (await metricValues('aviary_requests_total')).map((v) => v.labels.model);
    expect(labels).not.toContain('made-up-model-name');
  });

  it('answers RESOURCE_EXHAUSTED naming the limit when the inputs declare too many elements', async () => {
    const pending = call(subject.client, 'ModelInfer', {
      model_name: 'flight-delay',
      inputs: [{ ...features([1]), shape: [1000, 1000] }],
    });
    expect(await failure(pending)).toEqual({
      code: status.RESOURCE_EXHAUSTED,
      details:
        "the inputs' shapes declare 1000000 elements, more than 1000, the limit set by AVIARY_MAX_TENSOR_ELEMENTS",
    });
  });

  it('answers a bare INTERNAL naming the trace id, never the text of an unexpected error', async () => {
    const { server, client } = await startServer(
      fakeUseCases({
        infer: async () => {
          throw new TypeError("Cannot read properties of undefined (reading 'shape')");
        },
      }),
    );
    const answer = await failure(call(client, 'ModelInfer', { model_name: 'flight-delay', inputs: [features([1])] }));
    expect(answer.code).toBe(status.INTERNAL);
    expect(answer.details).toMatch(/^internal error; see the gateway log, trace id [0-9a-f]{32}$/);
    client.close();
    await server.stop();
  });

  it('maps the error code of a failed use case to its gRPC status', async () => {
    const { server, client } = await startServer(
      fakeUseCases({
        infer: async () => {
          throw new AviaryError('inference replica did not answer within 2000 ms', 'DEADLINE_EXCEEDED');
        },
      }),
    );
    expect(await failure(call(client, 'ModelInfer', { model_name: 'flight-delay', inputs: [features([1])] }))).toEqual({
      code: status.DEADLINE_EXCEEDED,
      details: 'inference replica did not answer within 2000 ms',
    });
    client.close();
    await server.stop();
  });

  it('refuses messages larger than AVIARY_MAX_BODY_BYTES with RESOURCE_EXHAUSTED', async () => {
    const big = { name: 'features', datatype: 'FP32', shape: [1, 20_000] };
    const pending = call(subject.client, 'ModelInfer', {
      model_name: 'flight-delay',
      inputs: [big],
      raw_input_contents: [new Uint8Array(80_000)],
    });
    expect((await failure(pending)).code).toBe(status.RESOURCE_EXHAUSTED);
  });

  it("records one SERVER span per call, continuing the caller's trace, with the use case running inside it", async () => {
    let active: SpanContext | undefined;
    const { server, client } = await startServer(
      fakeUseCases({
        infer: async (command) => {
          active = trace.getActiveSpan()?.spanContext();
          return { model: command.model, version: '2', outputs: [] };
        },
      }),
    );
    const metadata = new Metadata();
    metadata.set('traceparent', '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01');
    spans.reset();
    await call(client, 'ModelInfer', { model_name: 'flight-delay', inputs: [features([1])] }, metadata);

    const [span] = spans.getFinishedSpans();
    expect(span.name).toBe('grpc inference.GRPCInferenceService/ModelInfer');
    expect(span.kind).toBe(SpanKind.SERVER);
    expect(span.spanContext().traceId).toBe('0af7651916cd43dd8448eb211c80319c');
    expect(span.parentSpanContext?.spanId).toBe('b7ad6b7169203331');
    expect(span.attributes).toMatchObject({
      'rpc.system': 'grpc',
      'rpc.method': 'ModelInfer',
      'rpc.grpc.status_code': status.OK,
    });
    expect(active?.spanId).toBe(span.spanContext().spanId);
    client.close();
    await server.stop();
  });

  it('counts calls in the request metrics REST uses, by method, model and gRPC status', async () => {
    await failure(
      call(subject.client, 'ModelInfer', {
        model_name: 'flight-delay',
        inputs: [{ name: 'x', datatype: 'FLOAT', shape: [1] }],
      }),
    );
    const counted = await metricValues('aviary_requests_total');
    expect(counted).toContainEqual(
      expect.objectContaining({
        labels: {
          route: '/inference.GRPCInferenceService/ModelInfer',
          model: 'flight-delay',
          code: 'INVALID_ARGUMENT',
          outcome: 'client_error',
        },
      }),
    );
    const timed = await metricValues('aviary_request_duration_seconds');
    expect(timed).toContainEqual(
      expect.objectContaining({
        labels: expect.objectContaining({ route: '/inference.GRPCInferenceService/ModelInfer', model: 'flight-delay' }),
      }),
    );
  });
});

describe('GrpcInferenceServer shutdown', () => {
  /** A use case that holds each inference until released. */
  function heldInference() {
    let release!: () => void;
    let arrived!: () => void;
    const released = new Promise<void>((r) => (release = r));
    const started = new Promise<void>((r) => (arrived = r));
    const useCases = fakeUseCases({
      infer: async (command) => {
        arrived();
        await released;
        return { model: command.model, version: '2', outputs: command.inputs };
      },
    });
    return { useCases, started, release };
  }

  it('lets an in-flight call finish, then closes', async () => {
    const held = heldInference();
    const { server, client } = await startServer(held.useCases);
    const inFlight = call(client, 'ModelInfer', { model_name: 'flight-delay', inputs: [features([1])] });
    await held.started;

    let stopped = false;
    const stopping = server.stop().then(() => (stopped = true));
    await new Promise((r) => setTimeout(r, 100));
    expect(stopped).toBe(false);

    held.release();
    await expect(inFlight).resolves.toMatchObject({ model_name: 'flight-delay' });
    await stopping;
    expect((await failure(call(client, 'ServerLive', {}))).code).toBe(status.UNAVAILABLE);
    client.close();
  });

  it('cuts calls still running after the request timeout and a margin', async () => {
    const held = heldInference();
    const { server, client } = await startServer(held.useCases, { AVIARY_REQUEST_TIMEOUT_MS: 100 });
    const inFlight = call(client, 'ModelInfer', { model_name: 'flight-delay', inputs: [features([1])] });
    await held.started;

    const begun = Date.now();
    await server.stop();
    expect(Date.now() - begun).toBeGreaterThanOrEqual(1000);
    expect((await failure(inFlight)).code).not.toBe(status.OK);
    held.release();
    client.close();
  });
});

describe('GrpcInferenceServer in the Nest application', () => {
  function freePort(): Promise<number> {
    return new Promise((resolve) => {
      const probe = createServer().listen(0, '127.0.0.1', () => {
        const { port } = probe.address() as { port: number };
        probe.close(() => resolve(port));
      });
    });
  }

  it('opens the gRPC port once the HTTP port listens, and closes it with the application', async () => {
    const grpcPort = await freePort();
    @Module({
      providers: [
        { provide: GATEWAY_CONFIG, useValue: config({ AVIARY_GRPC_PORT: grpcPort }) },
        { provide: InferenceService, useValue: fakeUseCases() },
        GrpcInferenceServer,
      ],
    })
    class GatewayUnderTest {}
    const app = await NestFactory.create<NestFastifyApplication>(GatewayUnderTest, new FastifyAdapter(), {
      logger: false,
    });
    // A fresh connection per step: one that was refused waits out a reconnect backoff.
    const clients: Client[] = [];
    const live = (options: MetadataOptions = {}) => {
      clients.push(
        new InferenceClient(`127.0.0.1:${grpcPort}`, credentials.createInsecure(), {
          'grpc.use_local_subchannel_pool': 1,
        }),
      );
      return call(clients[clients.length - 1], 'ServerLive', {}, new Metadata(options));
    };
    let closed = false;
    try {
      await app.init();
      expect((await failure(live())).code).toBe(status.UNAVAILABLE);

      await app.listen(0, '127.0.0.1');
      // waitForReady: the port opens just after the HTTP one, so the first connection attempt may be early.
      expect(await live({ waitForReady: true })).toEqual({ live: true });

      await app.close();
      closed = true;
      expect((await failure(live())).code).toBe(status.UNAVAILABLE);
    } finally {
      clients.forEach((c) => c.close());
      if (!closed) await app.close();
    }
  });
});
