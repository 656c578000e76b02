import { AviaryError, Tensor, TensorMetadata } from '@aviary/contracts';
import { describeWithFixtures, sklearnFixturesDir, workspaceRoot } from '@aviary/testing';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { datatypeFromOrt, ortTypeFor } from './datatypes';
import { ModelSession } from './model-session';

const demoModel = (name: string, version: string) =>
  readFileSync(join(workspaceRoot(), 'models', name, version, 'model.onnx'));
const sklearnDir = sklearnFixturesDir();
const sklearnModel = (file: string) => readFileSync(join(sklearnDir, file));

const features = (rows: number[][]): Tensor => ({
  name: 'features',
  datatype: 'FP32',
  shape: [rows.length, rows[0].length],
  data: Float32Array.from(rows.flat()),
});

/** One row of neutral values for an input of any datatype these models take. */
function oneRowOf(input: TensorMetadata): Tensor {
  const shape = input.shape.map((d) => (d < 0 ? 1 : d));
  const count = shape.reduce((n, d) => n * d, 1);
  if (input.datatype === 'BYTES')
    return { name: input.name, datatype: 'BYTES', shape, data: new Array<string>(count).fill('') };
  if (input.datatype === 'INT64') return { name: input.name, datatype: 'INT64', shape, data: new BigInt64Array(count) };
  return { name: input.name, datatype: 'FP32', shape, data: new Float32Array(count) };
}

async function rejection(run: () => Promise<unknown>): Promise<AviaryError> {
  try {
    await run();
  } catch (e) {
    expect(e).toBeInstanceOf(AviaryError);
    return e as AviaryError;
  }
  throw new Error('expected a rejection');
}

describe('ModelSession with the flight-delay demo model', () => {
  let session: ModelSession;

  beforeAll(async () => {
    session = await ModelSession.load(demoModel('flight-delay', '1'));
  });

  afterAll(async () => {
    await session.release();
  });

  it('describes its input and outputs in Open Inference Protocol terms, with -1 for the batch dimension', () => {
    expect(session.inputs).toEqual([{ name: 'features', datatype: 'FP32', shape: [-1, 3] }]);
    expect(session.outputs).toHaveLength(2);
    expect(session.outputs).toEqual(
      expect.arrayContaining([
        { name: 'label', datatype: 'INT64', shape: [-1] },
        { name: 'probabilities', datatype: 'FP32', shape: [-1, 2] },
      ]),
    );
  });

  it('answers a batch with one label and one probability pair per row', async () => {
    const outputs = await session.run([
      features([
        [0, 0, 1],
        [2.5, -1, 0],
        [-1, 1, 0],
      ]),
    ]);
    const byName = Object.fromEntries(outputs.map((o) => [o.name, o]));
    expect(byName.label).toMatchObject({ datatype: 'INT64', shape: [3] });
    expect(byName.probabilities).toMatchObject({ datatype: 'FP32', shape: [3, 2] });
    const probabilities = Array.from(byName.probabilities.data as Float32Array);
    const labels = Array.from(byName.label.data as BigInt64Array);
    for (let row = 0; row < 3; row++) {
      const [onTime, late] = probabilities.slice(row * 2, row * 2 + 2);
      expect(onTime + late).toBeCloseTo(1, 5);
      expect(labels[row]).toBe(late > onTime ? 1n : 0n);
    }
  });

  it('answers the same input with the same output', async () => {
    const first = await session.run([features([[0.3, 0.5, -0.2]])]);
    const second = await session.run([features([[0.3, 0.5, -0.2]])]);
    expect(second).toEqual(first);
  });

  it('returns only the outputs asked for, in the order asked', async () => {
    const outputs = await session.run([features([[0, 0, 1]])], ['label']);
    expect(outputs.map((o) => o.name)).toEqual(['label']);
    const both = await session.run([features([[0, 0, 1]])], ['label', 'probabilities']);
    expect(both.map((o) => o.name)).toEqual(['label', 'probabilities']);
  });

  it('rejects an input of the wrong datatype, naming the datatype it expects', async () => {
    const error = await rejection(() =>
      session.run([{ name: 'features', datatype: 'FP64', shape: [1, 3], data: new Float64Array(3) }]),
    );
    expect(error.code).toBe('INVALID_ARGUMENT');
    expect(error.message).toBe('input "features" must be FP32, got FP64');
  });

  it('rejects a request without the input the model takes, before ONNX Runtime sees it', async () => {
    const error = await rejection(() => session.run([]));
    expect(error.code).toBe('INVALID_ARGUMENT');
    expect(error.message).toBe('missing input "features"; the model takes "features" FP32 [-1,3]');
  });

  it('rejects an output the model does not have, listing the ones it has', async () => {
    const error = await rejection(() => session.run([features([[0, 0, 1]])], ['score']));
    expect(error.code).toBe('INVALID_ARGUMENT');
    expect(error.message).toMatch(/^unknown output "score"; the model returns /);
  });

  it('rejects data whose length does not match its shape as INVALID_ARGUMENT', async () => {
    const error = await rejection(() =>
      session.run([{ name: 'features', datatype: 'FP32', shape: [2, 3], data: new Float32Array(3) }]),
    );
    expect(error.code).toBe('INVALID_ARGUMENT');
  });

  it('warms up on zeros without an error', async () => {
    await expect(session.warmUp()).resolves.toBeUndefined();
  });
});

describe('ModelSession.load', () => {
  it('rejects bytes that are not an ONNX model as INVALID_ARGUMENT', async () => {
    const error = await rejection(() => ModelSession.load(new TextEncoder().encode('definitely not a protobuf')));
    expect(error.code).toBe('INVALID_ARGUMENT');
    expect(error.message).toMatch(/^not a loadable ONNX model: /);
  });

  it('rejects an empty upload as INVALID_ARGUMENT', async () => {
    expect((await rejection(() => ModelSession.load(new Uint8Array(0)))).code).toBe('INVALID_ARGUMENT');
  });

  it.each<[string, string, number, number]>([
    ['flight-delay', '2', 128, 2],
    ['penguin-species', '1', 12, 3],
  ])('loads %s version %s and runs it warm', async (name, version, width, classes) => {
    const session = await ModelSession.load(demoModel(name, version));
    try {
      expect(session.inputs).toEqual([{ name: 'features', datatype: 'FP32', shape: [-1, width] }]);
      expect(session.outputs).toContainEqual({ name: 'probabilities', datatype: 'FP32', shape: [-1, classes] });
      await session.warmUp();
      const [probabilities] = await session.run([features([new Array(width).fill(0.1)])], ['probabilities']);
      expect(probabilities.shape).toEqual([1, classes]);
    } finally {
      await session.release();
    }
  });
});

describe('datatype mapping', () => {
  it('maps every ONNX Runtime element type that OIP can carry, both ways', () => {
    const ortTypes = [
      'bool',
      'uint8',
      'uint16',
      'uint32',
      'uint64',
      'int8',
      'int16',
      'int32',
      'int64',
      'float16',
      'float32',
      'float64',
      'string',
    ];
    const back = ortTypes.map((type) => {
      const datatype = datatypeFromOrt(type);
      return datatype && ortTypeFor(datatype);
    });
    expect(back).toEqual(ortTypes);
    expect(datatypeFromOrt('string')).toBe('BYTES');
    expect(datatypeFromOrt('float16')).toBe('FP16');
  });

  it('has no OIP datatype for bfloat16 or complex types', () => {
    expect(datatypeFromOrt('bfloat16')).toBeUndefined();
    expect(datatypeFromOrt('complex64')).toBeUndefined();
  });
});

describeWithFixtures(sklearnDir, 'ModelSession with models exported by scikit-learn (shared fixtures)', () => {
  it('takes string inputs as BYTES and int64 inputs as INT64 (titanic, no ZipMap)', async () => {
    const session = await ModelSession.load(sklearnModel('pipeline_titanic_nozipmap.onnx'));
    try {
      expect(session.inputs).toEqual([
        { name: 'pclass', datatype: 'INT64', shape: [-1, 1] },
        { name: 'sex', datatype: 'BYTES', shape: [-1, 1] },
        { name: 'age', datatype: 'FP32', shape: [-1, 1] },
        { name: 'fare', datatype: 'FP32', shape: [-1, 1] },
        { name: 'embarked', datatype: 'BYTES', shape: [-1, 1] },
      ]);
      expect(session.outputs).toEqual([
        { name: 'label', datatype: 'INT64', shape: [-1] },
        { name: 'probabilities', datatype: 'FP32', shape: [-1, 2] },
      ]);
      const passengers: Tensor[] = [
        { name: 'pclass', datatype: 'INT64', shape: [2, 1], data: BigInt64Array.from([1n, 3n]) },
        { name: 'sex', datatype: 'BYTES', shape: [2, 1], data: ['female', 'male'] },
        { name: 'age', datatype: 'FP32', shape: [2, 1], data: Float32Array.from([29, 40]) },
        { name: 'fare', datatype: 'FP32', shape: [2, 1], data: Float32Array.from([211.3, 7.9]) },
        { name: 'embarked', datatype: 'BYTES', shape: [2, 1], data: ['S', 'S'] },
      ];
      const [label, probabilities] = await session.run(passengers);
      expect(label).toMatchObject({ name: 'label', datatype: 'INT64', shape: [2] });
      expect(probabilities).toMatchObject({ name: 'probabilities', datatype: 'FP32', shape: [2, 2] });
      const p = Array.from(probabilities.data as Float32Array);
      expect(p[0] + p[1]).toBeCloseTo(1, 5);
      // A first-class woman is far likelier to survive than a third-class man.
      expect(p[1]).toBeGreaterThan(p[3]);
      await session.warmUp();
    } finally {
      await session.release();
    }
  });

  it('rejects a number where the model takes strings', async () => {
    const session = await ModelSession.load(sklearnModel('pipeline_titanic_nozipmap.onnx'));
    try {
      const error = await rejection(() =>
        session.run([{ name: 'sex', datatype: 'FP32', shape: [1, 1], data: new Float32Array(1) }]),
      );
      expect(error.message).toBe('input "sex" must be BYTES, got FP32');
    } finally {
      await session.release();
    }
  });

  it.each([
    'logreg_iris.onnx',
    'rf_iris.onnx',
    'pipeline_xgboost.onnx',
    'pipeline_lightgbm.onnx',
    'pipeline_titanic.onnx',
  ])('loads %s with only its tensor outputs listed, leaving the ZipMap out', async (file) => {
    const session = await ModelSession.load(sklearnModel(file));
    try {
      expect(session.outputs).toEqual([{ name: 'output_label', datatype: 'INT64', shape: [-1] }]);
      const error = await rejection(() => session.run(session.inputs.map(oneRowOf), ['output_probability']));
      expect(error.message).toBe('unknown output "output_probability"; the model returns output_label');
    } finally {
      await session.release();
    }
  });

  it('runs a ZipMap model for its label', async () => {
    const session = await ModelSession.load(sklearnModel('logreg_iris.onnx'));
    try {
      expect(session.inputs).toEqual([{ name: 'X', datatype: 'FP32', shape: [-1, 2] }]);
      const [label] = await session.run([
        { name: 'X', datatype: 'FP32', shape: [2, 2], data: Float32Array.from([5.1, 3.5, 6.7, 3.0]) },
      ]);
      expect(label.name).toBe('output_label');
      expect(label.shape).toEqual([2]);
      for (const cls of label.data as BigInt64Array) expect([0n, 1n, 2n]).toContain(cls);
    } finally {
      await session.release();
    }
  });
});
