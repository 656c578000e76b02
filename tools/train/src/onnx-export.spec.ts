import { fitFeatureSpec } from '@aviary/features';
import * as ort from 'onnxruntime-node';
import { predictProbabilities, trainLinearClassifier } from './linear-classifier';
import { syntheticSet } from './testing/synthetic-data';
import { exportLinearClassifier, exportLinearRegressor } from './onnx-export';
import { predictValues, trainLinearRegressor } from './linear-regressor';
import { checkOnnxRuntimeAgrees } from './ort-check';

const options = { epochs: 10, batchSize: 16, learningRate: 0.05, l2: 1e-4, seed: 3 };
const exportOptions = (classes: string[]) => ({
  modelName: 'toy',
  modelVersion: 1,
  inputName: 'features',
  probabilityOutput: 'probabilities',
  labelOutput: 'label',
  classes,
});

/** A spec whose two numeric inputs produce the synthetic set's two columns; only its names and classes matter here. */
const specFor = (classes: string[]) =>
  fitFeatureSpec(
    {
      inputs: [
        { name: 'a', type: 'number' },
        { name: 'b', type: 'number' },
      ],
      transforms: [
        { kind: 'numeric', input: 'a' },
        { kind: 'numeric', input: 'b' },
      ],
      prediction: {
        task: classes.length === 2 ? 'binary' : 'multiclass',
        classes,
        labelOutput: 'label',
        probabilityOutput: 'probabilities',
      },
    },
    [
      { a: 0, b: 0 },
      { a: 1, b: 1 },
    ],
  );

describe('exportLinearClassifier', () => {
  it.each([
    ['binary', ['no', 'yes']],
    ['multiclass', ['x', 'y', 'z']],
  ])('writes a %s model that ONNX Runtime runs to the trainer’s probabilities within 1e-5', async (_task, classes) => {
    const data = syntheticSet(200, classes.length, 9);
    const model = trainLinearClassifier(data, options);
    const onnx = exportLinearClassifier(model, exportOptions(classes));
    const difference = await checkOnnxRuntimeAgrees({
      onnx,
      spec: specFor(classes),
      features: data.features,
      expected: predictProbabilities(model, data.features),
      tolerance: 1e-5,
    });
    expect(difference).toBeLessThan(1e-5);
  });

  it('declares a dynamic batch: features [N, D] in, probabilities [N, C] and int64 label [N] out', async () => {
    const model = trainLinearClassifier(syntheticSet(50, 3, 1), options);
    const session = await ort.InferenceSession.create(exportLinearClassifier(model, exportOptions(['x', 'y', 'z'])));
    try {
      expect(session.inputMetadata).toEqual([
        expect.objectContaining({ name: 'features', type: 'float32', shape: ['N', 2] }),
      ]);
      expect(session.outputMetadata).toEqual([
        expect.objectContaining({ name: 'probabilities', type: 'float32', shape: ['N', 3] }),
        expect.objectContaining({ name: 'label', type: 'int64', shape: ['N'] }),
      ]);
      const out = await session.run({ features: new ort.Tensor('float32', new Float32Array(14), [7, 2]) });
      expect(out.probabilities.dims).toEqual([7, 3]);
      expect(out.label.dims).toEqual([7]);
    } finally {
      await session.release();
    }
  });

  it('gives identical bytes for an identical model', () => {
    const data = syntheticSet(100, 2, 4);
    const bytes = () =>
      Buffer.from(exportLinearClassifier(trainLinearClassifier(data, options), exportOptions(['no', 'yes'])));
    expect(bytes().equals(bytes())).toBe(true);
  });

  it('refuses class names that do not match the model', () => {
    const model = trainLinearClassifier(syntheticSet(20, 2, 4), options);
    expect(() => exportLinearClassifier(model, exportOptions(['a', 'b', 'c']))).toThrow(
      'the model has 2 classes, 3 class names were given',
    );
  });
});

describe('exportLinearRegressor', () => {
  const data = syntheticSet(100, 2, 6);
  const model = trainLinearRegressor(
    { features: data.features, targets: Float64Array.from(data.labels, (y) => 10 * y + 3), inputs: 2 },
    { l2: 1e-3 },
  );
  const onnx = exportLinearRegressor(model, {
    modelName: 'toy',
    modelVersion: 1,
    inputName: 'features',
    valueOutput: 'value',
  });

  it('writes features [N, D] → MatMul → Add → value [N, 1] that ONNX Runtime runs to the trainer’s values', async () => {
    const session = await ort.InferenceSession.create(onnx);
    try {
      expect(session.outputMetadata).toEqual([
        expect.objectContaining({ name: 'value', type: 'float32', shape: ['N', 1] }),
      ]);
      const out = await session.run({ features: new ort.Tensor('float32', data.features, [100, 2]) });
      expect(out.value.dims).toEqual([100, 1]);
      const expected = predictValues(model, data.features);
      Array.from(out.value.data as Float32Array).forEach((v, row) =>
        expect(Math.abs(v - expected[row])).toBeLessThan(1e-5),
      );
    } finally {
      await session.release();
    }
  });

  it('gives identical bytes for an identical model', () => {
    const again = exportLinearRegressor(model, {
      modelName: 'toy',
      modelVersion: 1,
      inputName: 'features',
      valueOutput: 'value',
    });
    expect(Buffer.from(again).equals(Buffer.from(onnx))).toBe(true);
  });
});
