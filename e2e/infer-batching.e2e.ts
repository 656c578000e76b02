// Concurrent Open Inference Protocol requests for one version share inference calls (their tensors concatenated
// along dimension 0) without changing any answer: over REST and gRPC each request gets what it gets alone (floats
// to the last bit's rounding), BYTES and several inputs included, and a bad request in a burst fails alone.
import { Tensor } from '@aviary/contracts';
import { generateInputs } from '@aviary/onnx-graph';
import {
  connectReadyInferenceClient,
  describeWithFixtures,
  sklearnFixturesDir,
  Stack,
  startStack,
} from '@aviary/testing';
import * as grpc from '@grpc/grpc-js';
import { join } from 'node:path';
import { GrpcInferResponse, rawRequest, readGrpcOutputs, toOipJson } from './fixture-inputs';
import { getJson, JsonResponse, postJson } from './support';

const fixtures = sklearnFixturesDir();
const BURST = 40;
/** Whether requests share a batch depends on how they arrive, so bursts repeat (bounded) until some do. */
const MAX_BURSTS = 5;

/** An infer answer as REST gives it, and gRPC's read into the same form. */
interface Answer {
  model_version: string;
  id?: string;
  outputs: { name: string; datatype: string; shape: number[]; data: (number | string)[] }[];
}

/**
 * The answer with each float allowed to differ by under 5e-7: ONNX Runtime's kernels may round a row's last bit
 * differently by where the row sits in a call (the titanic pipeline does so in-process too). All else is exact.
 */
const withinRounding = (answer: Answer) => ({
  ...answer,
  outputs: answer.outputs.map((o) =>
    o.datatype.startsWith('FP') ? { ...o, data: o.data.map((v) => expect.closeTo(v as number, 6)) } : o,
  ),
});

type Callback = (error: grpc.ServiceError | null, response: GrpcInferResponse) => void;
type InferenceClient = grpc.Client & {
  ModelInfer(request: object, metadata: grpc.Metadata, options: grpc.CallOptions, callback: Callback): void;
};

describe('OIP infer micro-batching', () => {
  let stack: Stack;
  let url: string;
  let client: InferenceClient;

  beforeAll(async () => {
    stack = await startStack({ services: ['inference', 'preprocessor', 'gateway'] });
    url = stack.gateway.httpUrl;
    await stack.waitForModel('flight-delay');
    client = await connectReadyInferenceClient<InferenceClient>(stack.gateway.grpcAddress);
  }, 120_000);

  afterAll(async () => {
    client?.close();
    await stack?.stop();
  });

  const modelInfer = (request: object): Promise<GrpcInferResponse> =>
    new Promise((resolve, reject) =>
      client.ModelInfer(request, new grpc.Metadata(), { deadline: Date.now() + 10_000 }, (error, response) =>
        error ? reject(error) : resolve(response),
      ),
    );

  /** Requests served in calls of two or more requests so far, from the gateway's /metrics. */
  const batchedSoFar = async () =>
    (await (await fetch(`${url}/metrics`)).text())
      .split('\n')
      .filter((l) => l.startsWith('aviary_infer_batched_requests_total{') && !l.includes('batch="1"'))
      .reduce((n, l) => n + Number(l.split(' ').pop()), 0);

  /** BURST requests of 1 to 5 rows, each with values of its own. */
  async function requestsFor(model: string): Promise<Tensor[][]> {
    const metadata = (await getJson(`${url}/v2/models/${model}`)).body;
    return Array.from({ length: BURST }, (_, i) => generateInputs(metadata.inputs, { rows: 1 + (i % 5), seed: i + 1 }));
  }

  /**
   * Sends every request alone, then all at once in bursts until some shared an inference call; each burst must
   * answer every request exactly as it was answered alone.
   */
  async function expectBatchedAsAlone(send: (i: number) => Promise<Answer>) {
    const alone: Answer[] = [];
    for (let i = 0; i < BURST; i++) alone.push(await send(i));
    const before = await batchedSoFar();
    for (let burst = 0; burst < MAX_BURSTS && (await batchedSoFar()) === before; burst++) {
      expect(await Promise.all(alone.map((_, i) => send(i)))).toEqual(alone.map(withinRounding));
    }
    expect(await batchedSoFar()).toBeGreaterThan(before);
  }

  const restInfer = (model: string, inputs: Tensor[], id: string) =>
    postJson(`${url}/v2/models/${model}/infer`, { id, inputs: toOipJson(inputs) });

  it('answers 40 concurrent REST requests of 1 to 5 rows each as it answers them alone, sharing inference calls', async () => {
    const requests = await requestsFor('flight-delay');
    await expectBatchedAsAlone(async (i) => {
      const response = await restInfer('flight-delay', requests[i], `rest-${i}`);
      expect(response).toMatchObject({ status: 200, body: { id: `rest-${i}`, model_version: '2' } });
      return response.body;
    });
  });

  it('answers 40 concurrent gRPC ModelInfer calls as it answers them alone, sharing inference calls', async () => {
    const requests = await requestsFor('flight-delay');
    await expectBatchedAsAlone(async (i) => {
      const response = await modelInfer({ ...rawRequest('flight-delay', requests[i]), id: `grpc-${i}` });
      expect(response).toMatchObject({ id: `grpc-${i}`, model_version: '2' });
      const outputs = Object.entries(readGrpcOutputs(response)).map(([name, output]) => ({ name, ...output }));
      return { id: response.id, model_version: response.model_version, outputs };
    });
  });

  it('fails a bad request in a concurrent burst alone with 400, answering the others', async () => {
    const requests = await requestsFor('flight-delay');
    const [features] = requests[0];
    const width = features.shape[1];
    const bad = [{ ...features, shape: [1, width + 1], data: new Float32Array(width + 1) }];
    const alone = await Promise.all(requests.slice(0, 5).map((r, i) => restInfer('flight-delay', r, `ok-${i}`)));
    const burst = await Promise.all([
      ...requests.map((r, i) => restInfer('flight-delay', r, `ok-${i}`)),
      restInfer('flight-delay', bad, 'bad'),
    ]);
    expect(burst.slice(0, BURST).map((r: JsonResponse) => r.status)).toEqual(new Array(BURST).fill(200));
    expect(burst.slice(0, 5).map((r) => r.body)).toEqual(alone.map((r) => withinRounding(r.body)));
    expect(burst[BURST]).toMatchObject({
      status: 400,
      body: {
        error: `input "features" has shape [1,${width + 1}]; the model expects [-1,${width}] (-1 = any size)`,
      },
    });
  });

  describeWithFixtures(fixtures, 'a scikit-learn pipeline with BYTES and FP32 inputs', () => {
    const model = 'pipeline-titanic';

    beforeAll(async () => {
      const file = join(fixtures, 'pipeline_titanic.onnx');
      const pushed = stack.cli(['models', 'push', file, '--name', model, '--version', '1', '--serve']);
      if (pushed.code !== 0) throw new Error(`pushing the titanic pipeline failed:\n${pushed.stdout}${pushed.stderr}`);
      await stack.waitForModel(model);
    }, 60_000);

    it('answers 40 concurrent requests of five inputs (three of them strings) as it answers them alone', async () => {
      const requests = await requestsFor(model);
      expect(requests[0].map((t) => t.datatype)).toContain('BYTES');
      await expectBatchedAsAlone(async (i) => {
        const response = await restInfer(model, requests[i], `titanic-${i}`);
        expect(response.status).toBe(200);
        return response.body;
      });
    });
  });
});
