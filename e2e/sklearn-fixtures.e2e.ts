// scikit-learn, XGBoost and LightGBM exports pushed with the CLI and served over REST and gRPC: ZipMap probabilities
// come back as tensors, every answer matches what ONNX Runtime computes in-process on the same inputs, and gRPC
// (typed or raw contents) answers exactly as REST does.
import { Tensor } from '@aviary/contracts';
import { tensorsToRecords } from '@aviary/features';
import { ModelSession } from '@aviary/inference-engine';
import { generateInputs, rewriteZipMapOutputs } from '@aviary/onnx-graph';
import {
  connectReadyInferenceClient,
  describeWithFixtures,
  sklearnFixturesDir,
  Stack,
  startStack,
} from '@aviary/testing';
import * as grpc from '@grpc/grpc-js';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  GrpcInferResponse,
  PlainOutput,
  plain,
  rawRequest,
  readGrpcOutputs,
  toOipJson,
  typedRequest,
} from './fixture-inputs';
import { getJson, postJson } from './support';

const fixtures = sklearnFixturesDir();

interface Fixture {
  file: string;
  label: string;
  probabilities: string;
  classes: number;
}

const FIXTURES: Fixture[] = [
  { file: 'logreg_iris.onnx', label: 'output_label', probabilities: 'output_probability', classes: 3 },
  { file: 'rf_iris.onnx', label: 'output_label', probabilities: 'output_probability', classes: 3 },
  { file: 'pipeline_xgboost.onnx', label: 'output_label', probabilities: 'output_probability', classes: 3 },
  { file: 'pipeline_lightgbm.onnx', label: 'output_label', probabilities: 'output_probability', classes: 3 },
  { file: 'pipeline_titanic.onnx', label: 'output_label', probabilities: 'output_probability', classes: 2 },
  { file: 'pipeline_titanic_nozipmap.onnx', label: 'label', probabilities: 'probabilities', classes: 2 },
];

const modelName = (file: string) => file.replace(/\.onnx$/, '').replace(/_/g, '-');
const ROWS = 8;

interface OipOutput {
  name: string;
  datatype: string;
  shape: number[];
  data: (number | string)[];
}

type Callback<Response> = (error: grpc.ServiceError | null, response: Response) => void;
interface GrpcModelMetadata {
  parameters: Record<string, { string_param?: string }>;
}
type InferenceClient = grpc.Client & {
  ModelInfer(
    request: object,
    metadata: grpc.Metadata,
    options: grpc.CallOptions,
    callback: Callback<GrpcInferResponse>,
  ): void;
  ModelMetadata(
    request: object,
    metadata: grpc.Metadata,
    options: grpc.CallOptions,
    callback: Callback<GrpcModelMetadata>,
  ): void;
};

async function runInProcess(onnx: Uint8Array, inputs: Tensor[]): Promise<Tensor[]> {
  const session = await ModelSession.load(onnx);
  try {
    return await session.run(inputs);
  } finally {
    await session.release();
  }
}

describeWithFixtures(fixtures, 'scikit-learn ONNX exports served end to end', () => {
  let stack: Stack;
  let url: string;
  let client: InferenceClient;

  const modelInfer = (request: object): Promise<GrpcInferResponse> =>
    new Promise((resolve, reject) =>
      client.ModelInfer(request, new grpc.Metadata(), { deadline: Date.now() + 10_000 }, (error, response) =>
        error ? reject(error) : resolve(response),
      ),
    );

  const modelMetadata = (name: string): Promise<GrpcModelMetadata> =>
    new Promise((resolve, reject) =>
      client.ModelMetadata({ name }, new grpc.Metadata(), { deadline: Date.now() + 10_000 }, (error, response) =>
        error ? reject(error) : resolve(response),
      ),
    );

  /** The status and message of a call expected to fail. */
  const grpcFailure = async (pending: Promise<unknown>) => {
    const error = await pending.then(
      () => undefined,
      (e: grpc.ServiceError) => e,
    );
    if (!error) throw new Error('expected the call to fail');
    return { code: grpc.status[error.code], details: error.details };
  };

  const restInfer = async (name: string, inputs: Tensor[]) => {
    const response = await postJson(`${url}/v2/models/${name}/infer`, { inputs: toOipJson(inputs) });
    expect(response.status).toBe(200);
    return Object.fromEntries(
      (response.body.outputs as OipOutput[]).map(({ name: output, ...rest }): [string, PlainOutput] => [output, rest]),
    );
  };

  /** Labels exactly, probabilities within 1e-6, shapes and datatypes alike. */
  const expectSameAnswer = (
    got: Record<string, PlainOutput>,
    want: Record<string, PlainOutput>,
    { label, probabilities }: Pick<Fixture, 'label' | 'probabilities'>,
  ) => {
    expect(got[label]).toEqual(want[label]);
    expect(got[probabilities]).toMatchObject({
      datatype: want[probabilities].datatype,
      shape: want[probabilities].shape,
    });
    const wanted = want[probabilities].data as number[];
    expect(got[probabilities].data).toHaveLength(wanted.length);
    (got[probabilities].data as number[]).forEach((value, i) =>
      expect(Math.abs(value - wanted[i])).toBeLessThanOrEqual(1e-6),
    );
  };

  beforeAll(async () => {
    stack = await startStack({ services: ['inference', 'preprocessor', 'gateway'], seed: false });
    url = stack.gateway.httpUrl;
    for (const { file } of FIXTURES) {
      const pushed = stack.cli([
        'models',
        'push',
        join(fixtures, file),
        '--name',
        modelName(file),
        '--version',
        '1',
        '--serve',
      ]);
      if (pushed.code !== 0) throw new Error(`pushing ${file} failed:\n${pushed.stdout}${pushed.stderr}`);
    }
    for (const { file } of FIXTURES) await stack.waitForModel(modelName(file));
    client = await connectReadyInferenceClient<InferenceClient>(stack.gateway.grpcAddress);
  }, 180_000);

  afterAll(async () => {
    client?.close();
    await stack?.stop();
  });

  it.each(FIXTURES)(
    'describes $file with its probabilities as an FP32 tensor [-1,$classes]',
    async ({ file, label, probabilities, classes }) => {
      const model = await getJson(`${url}/v2/models/${modelName(file)}`);
      expect(model.status).toBe(200);
      expect(model.body.outputs).toEqual(
        expect.arrayContaining([
          { name: label, datatype: 'INT64', shape: [-1] },
          { name: probabilities, datatype: 'FP32', shape: [-1, classes] },
        ]),
      );
      // The class labels the ZipMap carried travel on as metadata (the nozipmap export has none to carry).
      if (!file.includes('nozipmap')) expect(model.body.parameters).toEqual({ classes: expect.any(Array) });
      if (model.body.parameters) expect(model.body.parameters.classes).toHaveLength(classes);
    },
  );

  it.each(FIXTURES)('gives $file the same class labels over gRPC ModelMetadata as over REST', async ({ file }) => {
    const name = modelName(file);
    const rest = (await getJson(`${url}/v2/models/${name}`)).body.parameters;
    const { parameters } = await modelMetadata(name);
    expect(Object.keys(parameters)).toEqual(Object.keys(rest ?? {}));
    // InferParameter has no list type: the labels come as the JSON text of the array.
    const classes = parameters.classes?.string_param;
    expect(classes === undefined ? undefined : JSON.parse(classes)).toEqual(rest?.classes);
  });

  it.each(FIXTURES)(
    'answers $file over REST with the labels ONNX Runtime gives on the original and the same probabilities',
    async ({ file, label, probabilities, classes }) => {
      const name = modelName(file);
      const original = new Uint8Array(readFileSync(join(fixtures, file)));
      const metadata = (await getJson(`${url}/v2/models/${name}`)).body;
      const inputs = generateInputs(metadata.inputs, { rows: ROWS, seed: 7 });

      const response = await postJson(`${url}/v2/models/${name}/infer`, {
        inputs: toOipJson(inputs),
      });
      expect(response.status).toBe(200);
      const outputs = response.body.outputs as OipOutput[];
      const served = (output: string) => outputs.find((o) => o.name === output);

      // The original's label is a tensor ORT can return; its ZipMap is not, so the probabilities come from the
      // rewritten graph, which the registry proved to agree with the original before serving it.
      const [originalLabel] = await runInProcess(original, inputs).then((ts) => ts.filter((t) => t.name === label));
      const expectedProbabilities = (await runInProcess(rewriteZipMapOutputs(original).bytes, inputs)).find(
        (t) => t.name === probabilities,
      );

      expect(served(label)).toMatchObject({ datatype: 'INT64', shape: [ROWS] });
      expect(served(label)?.data).toEqual(plain(originalLabel));
      expect(served(probabilities)).toMatchObject({ datatype: 'FP32', shape: [ROWS, classes] });
      const want = expectedProbabilities ? (plain(expectedProbabilities) as number[]) : [];
      const got = (served(probabilities)?.data ?? []) as number[];
      expect(got).toHaveLength(ROWS * classes);
      expect(want).toHaveLength(ROWS * classes);
      got.forEach((value, i) => expect(Math.abs(value - want[i])).toBeLessThanOrEqual(1e-6));
    },
  );

  it.each(FIXTURES)(
    'answers $file over gRPC ModelInfer, with typed and with raw contents, exactly as over REST',
    async (fixture) => {
      const name = modelName(fixture.file);
      const metadata = (await getJson(`${url}/v2/models/${name}`)).body;
      const inputs = generateInputs(metadata.inputs, { rows: ROWS, seed: 7 });

      const rest = await restInfer(name, inputs);
      const typed = await modelInfer(typedRequest(name, inputs));
      const raw = await modelInfer(rawRequest(name, inputs));

      expect(typed.raw_output_contents).toEqual([]);
      expect(raw.outputs.every((o) => o.contents === null)).toBe(true);
      expect(raw.raw_output_contents).toHaveLength(raw.outputs.length);
      expectSameAnswer(readGrpcOutputs(typed), rest, fixture);
      expectSameAnswer(readGrpcOutputs(raw), rest, fixture);
    },
  );

  describe('BYTES inputs of the titanic pipeline', () => {
    const titanic = FIXTURES.find((f) => f.file === 'pipeline_titanic.onnx') as Fixture;
    const name = modelName(titanic.file);

    /** One row per entry; pclass, sex and embarked are string [N,1], age and fare float [N,1]. */
    const passengers = (rows: { pclass: string; sex: string; embarked: string }[]): Tensor[] => {
      const column = (key: 'pclass' | 'sex' | 'embarked'): Tensor => ({
        name: key,
        datatype: 'BYTES',
        shape: [rows.length, 1],
        data: rows.map((r) => r[key]),
      });
      const numbers = (key: string, value: number): Tensor => ({
        name: key,
        datatype: 'FP32',
        shape: [rows.length, 1],
        data: new Float32Array(rows.length).fill(value),
      });
      return [column('pclass'), column('sex'), column('embarked'), numbers('age', 29), numbers('fare', 14.5)];
    };

    it('serves the string inputs the pipeline declares', async () => {
      const model = await getJson(`${url}/v2/models/${name}`);
      expect(model.body.inputs).toEqual(
        expect.arrayContaining(
          ['pclass', 'sex', 'embarked'].map((input) => ({ name: input, datatype: 'BYTES', shape: [-1, 1] })),
        ),
      );
    });

    it('answers empty, unicode and 100 kB strings (categories it never saw) alike over REST, gRPC typed and raw', async () => {
      const long = 'é'.repeat(50_000); // 100 kB of UTF-8, twice its length in characters
      const inputs = passengers([
        { pclass: '', sex: '', embarked: '' },
        { pclass: '1', sex: 'fémale', embarked: 'S' },
        { pclass: '日本', sex: 'female', embarked: '日本' },
        { pclass: '3', sex: '🚢🦜', embarked: 'C' },
        { pclass: '2', sex: long, embarked: long },
        { pclass: '3', sex: 'male', embarked: 'Q' },
      ]);

      const rest = await restInfer(name, inputs);
      expectSameAnswer(readGrpcOutputs(await modelInfer(typedRequest(name, inputs))), rest, titanic);
      expectSameAnswer(readGrpcOutputs(await modelInfer(rawRequest(name, inputs))), rest, titanic);

      const original = new Uint8Array(readFileSync(join(fixtures, titanic.file)));
      const [label] = (await runInProcess(original, inputs)).filter((t) => t.name === titanic.label);
      expect(rest[titanic.label].data).toEqual(plain(label));
    });

    // What bounds a string is the NATS server's max_payload (1 MiB here), well under AVIARY_MAX_BODY_BYTES.
    it('answers a 1 MB string, and refuses one past max_payload with 413 / RESOURCE_EXHAUSTED', async () => {
      const row = (sex: string) => passengers([{ pclass: '1', sex, embarked: 'S' }]);
      const fits = row('x'.repeat(1_000_000));
      const rest = await restInfer(name, fits);
      expect(rest[titanic.label].shape).toEqual([1]);
      expectSameAnswer(readGrpcOutputs(await modelInfer(rawRequest(name, fits))), rest, titanic);

      const tooLarge = row('x'.repeat(1_100_000));
      const response = await postJson(`${url}/v2/models/${name}/infer`, { inputs: toOipJson(tooLarge) });
      expect(response.status).toBe(413);
      expect(response.body.error).toMatch(/larger than the NATS server's max_payload/);
      const grpcTooLarge = await grpcFailure(modelInfer(typedRequest(name, tooLarge)));
      expect(grpcTooLarge.code).toBe('RESOURCE_EXHAUSTED');
      expect(grpcTooLarge.details).toMatch(/max_payload/);
    });

    it('refuses a number sent for a string input with 400 naming the input', async () => {
      const body = { inputs: toOipJson(passengers([{ pclass: '1', sex: 'male', embarked: 'S' }])) };
      body.inputs[1] = { name: 'sex', datatype: 'BYTES', shape: [1, 1], data: [1] };
      const response = await postJson(`${url}/v2/models/${name}/infer`, body);
      expect(response.status).toBe(400);
      expect(response.body).toEqual({ error: 'input "sex": element 0 must be a string, got 1' });
    });

    it('refuses a string input sent as FP32: 400 "must be BYTES" over REST, INVALID_ARGUMENT over gRPC', async () => {
      const inputs = passengers([{ pclass: '1', sex: 'male', embarked: 'S' }]);
      inputs[1] = { name: 'sex', datatype: 'FP32', shape: [1, 1], data: new Float32Array([1]) };

      const response = await postJson(`${url}/v2/models/${name}/infer`, { inputs: toOipJson(inputs) });
      expect(response.status).toBe(400);
      expect(response.body).toEqual({ error: 'input "sex" must be BYTES, got FP32' });

      const typed = await grpcFailure(modelInfer(typedRequest(name, inputs)));
      expect(typed).toEqual({ code: 'INVALID_ARGUMENT', details: 'input "sex" must be BYTES, got FP32' });
      const raw = await grpcFailure(modelInfer(rawRequest(name, inputs)));
      expect(raw).toEqual({ code: 'INVALID_ARGUMENT', details: 'input "sex" must be BYTES, got FP32' });
    });
  });

  describe('quality gate on exports pushed without a feature spec', () => {
    const evalDir = mkdtempSync(join(tmpdir(), 'aviary-fixture-eval-'));
    const EVAL_ROWS = 24;

    /**
     * Labelled records for a fixture: generated inputs keyed by input name, labelled with the class the original
     * export predicts, except every fourth row, which is deliberately given another class, so accuracy is 0.75.
     */
    async function writeEvalSet(fixture: Fixture, seed: number): Promise<string> {
      const session = await ModelSession.load(readFileSync(join(fixtures, fixture.file)));
      const inputs = generateInputs(session.inputs, { rows: EVAL_ROWS, seed });
      const [label] = await session.run(inputs, [fixture.label]).finally(() => session.release());
      const records = tensorsToRecords(inputs).map((record, row) => {
        const predicted = Number(plain(label)[row]);
        return { ...record, label: row % 4 === 3 ? (predicted + 1) % fixture.classes : predicted };
      });
      const file = join(evalDir, `${modelName(fixture.file)}-${seed}.jsonl`);
      writeFileSync(file, records.map((r) => JSON.stringify(r)).join('\n') + '\n');
      return file;
    }

    const fixture = (file: string) => FIXTURES.find((f) => f.file === file) as Fixture;
    const push = (file: string, name: string, version: string, ...flags: string[]) =>
      stack.cli(['models', 'push', join(fixtures, file), '--name', name, '--version', version, ...flags]);
    const evaluationOf = (name: string, version: string) =>
      JSON.parse(stack.cli(['models', 'list', '--json']).stdout).find(
        (v: { name: string; version: string }) => v.name === name && v.version === version,
      ).evaluation;

    it('scores a multiclass export by its label output, with log-loss from the rewritten ZipMap, and passes its gate', async () => {
      const evalSet = await writeEvalSet(fixture('rf_iris.onnx'), 3);
      const pushed = push('rf_iris.onnx', 'iris', '1', '--eval', evalSet, '--gate', 'accuracy >= 0.7, log-loss <= 100');
      expect(pushed.stderr).toBe('');
      expect(pushed.stdout).toMatch(
        /pushed: iris version 1 .*on 24 rows .*accuracy=0\.7500 logLoss=\d+\.\d{4}; gate .* passed/,
      );
      await stack.waitForModel('iris', '1');
      expect(stack.cli(['models', 'list']).stdout).toMatch(/iris\s+1\s+serving\s+1\s+\S+\s+accuracy=0\.750 logLoss=/);
      expect(evaluationOf('iris', '1')).toMatchObject({
        rows: 24,
        metrics: { accuracy: 0.75, logLoss: expect.any(Number) },
        gate: { passed: true },
      });
    });

    it('rejects a binary export with BYTES inputs below its gate, with AUC measured, and answers 409 for it', async () => {
      const evalSet = await writeEvalSet(fixture('pipeline_titanic.onnx'), 5);
      const pushed = push('pipeline_titanic.onnx', 'titanic', '1', '--eval', evalSet, '--gate', 'accuracy >= 0.9');
      expect(pushed.code).toBe(1);
      expect(pushed.stderr).toMatch(/rejected by its quality gate \(accuracy >= 0.9\): accuracy 0\.75 fails >= 0\.9/);
      expect(evaluationOf('titanic', '1')).toMatchObject({
        metrics: { accuracy: 0.75, logLoss: expect.any(Number), auc: expect.any(Number) },
        gate: { passed: false },
      });
      const explicit = await postJson(`${url}/v1/models/titanic/versions/1/predict`, {
        instances: [{ pclass: ['1'], sex: ['male'], embarked: ['S'], age: [29], fare: [14.5] }],
      });
      expect(explicit).toMatchObject({
        status: 409,
        body: { error: expect.stringMatching(/rejected by its quality gate/) },
      });
    });

    it('gives accuracy only when the probability columns carry no class labels, and refuses a gate on AUC', async () => {
      const nozipmap = fixture('pipeline_titanic_nozipmap.onnx');
      const evalSet = await writeEvalSet(nozipmap, 7);
      const refused = push(nozipmap.file, 'titanic-plain', '1', '--eval', evalSet, '--gate', 'auc >= 0.5');
      expect(refused.code).toBe(1);
      expect(refused.stderr).toMatch(
        /the gate needs auc, which this evaluation does not measure; it measures: accuracy$/m,
      );
      const pushed = push(nozipmap.file, 'titanic-plain', '1', '--eval', evalSet, '--gate', 'accuracy >= 0.75');
      expect(pushed.stderr).toBe('');
      expect(evaluationOf('titanic-plain', '1')).toMatchObject({ metrics: { accuracy: 0.75 }, gate: { passed: true } });
    });

    it('compares two exports that take the same inputs on the same labelled records', async () => {
      const evalSet = await writeEvalSet(fixture('pipeline_xgboost.onnx'), 9);
      expect(push('pipeline_xgboost.onnx', 'two-d', '1').code).toBe(0);
      expect(push('pipeline_lightgbm.onnx', 'two-d', '2').code).toBe(0);
      const result = stack.cli(['models', 'compare', 'two-d', '1', '2', '--eval', evalSet]);
      expect(result.stderr).toBe('');
      expect(result.stdout).toMatch(/metric\s+two-d v1\s+two-d v2/);
      expect(result.stdout).toMatch(/accuracy\s+0\.7500\s+\d\.\d{4}/);
      expect(result.stdout).toMatch(/logLoss\s+\d+\.\d{4}\s+\d+\.\d{4}/);
      expect(result.stdout).toMatch(/rows\s+24\s+24/);
    });
  });
});
