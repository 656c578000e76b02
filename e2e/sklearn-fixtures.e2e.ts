// scikit-learn, XGBoost and LightGBM exports pushed with the CLI and served over REST: ZipMap probabilities come back
// as tensors, and every answer matches what ONNX Runtime computes in-process on the same inputs.
import { Tensor } from '@aviary/contracts';
import { ModelSession } from '@aviary/inference-engine';
import { generateInputs, rewriteZipMapOutputs } from '@aviary/onnx-graph';
import { startStack, Stack, workspaceRoot } from '@aviary/testing';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { getJson, postJson } from './support';

const fixtures = join(workspaceRoot(), '..', 'shared', 'fixtures', 'sklearn-onnx');
const maybe = existsSync(fixtures) ? describe : describe.skip;

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

/** OIP JSON carries numbers; int64 typed arrays hold bigints. */
const plain = (tensor: Tensor) =>
  Array.from(tensor.data as ArrayLike<number | bigint | string>, (v) => (typeof v === 'bigint' ? Number(v) : v));

async function runInProcess(onnx: Uint8Array, inputs: Tensor[]): Promise<Tensor[]> {
  const session = await ModelSession.load(onnx);
  try {
    return await session.run(inputs);
  } finally {
    await session.release();
  }
}

maybe('scikit-learn ONNX exports served end to end', () => {
  let stack: Stack;
  let url: string;

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
  }, 180_000);

  afterAll(() => stack?.stop());

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

  it.each(FIXTURES)(
    'answers $file over REST with the labels ONNX Runtime gives on the original and the same probabilities',
    async ({ file, label, probabilities, classes }) => {
      const name = modelName(file);
      const original = new Uint8Array(readFileSync(join(fixtures, file)));
      const metadata = (await getJson(`${url}/v2/models/${name}`)).body;
      const inputs = generateInputs(metadata.inputs, { rows: ROWS, seed: 7 });

      const response = await postJson(`${url}/v2/models/${name}/infer`, {
        inputs: inputs.map((t) => ({ name: t.name, datatype: t.datatype, shape: t.shape, data: plain(t) })),
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
});
