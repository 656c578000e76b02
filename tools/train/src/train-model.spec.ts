import { applyFeatureSpec, interpretOutputs } from '@aviary/features';
import * as ort from 'onnxruntime-node';
import { DATASETS } from './datasets';
import { MODELS } from './models';
import { trainTestSplit } from './split';
import { trainModel, TrainedBundle } from './train-model';

const recipe = MODELS.filter((m) => m.name === 'penguin-species')[0];
const dataset = DATASETS.penguins();
let bundle: TrainedBundle;

beforeAll(async () => {
  bundle = await trainModel(recipe, dataset);
});

describe('trainModel (penguin-species)', () => {
  it('produces byte-identical bundles on every run', async () => {
    const again = await trainModel(recipe, dataset);
    expect(Buffer.from(again.onnx).equals(Buffer.from(bundle.onnx))).toBe(true);
    expect(JSON.stringify(again.spec)).toBe(JSON.stringify(bundle.spec));
    expect(JSON.stringify(again.metrics)).toBe(JSON.stringify(bundle.metrics));
    expect(bundle.ortMaxDifference).toBeLessThan(1e-5);
  });

  it('fits the feature spec on the training rows only', () => {
    const train = trainTestSplit(dataset.records.length, recipe.split).train.map((i) => dataset.records[i]);
    const observed = train
      .map((r) => r.body_mass_g)
      .filter((m): m is number => typeof m === 'number')
      .sort((a, b) => a - b);
    const median =
      observed.length % 2
        ? observed[observed.length >> 1]
        : (observed[observed.length / 2 - 1] + observed[observed.length / 2]) / 2;
    const imputed = train.map((r) => (typeof r.body_mass_g === 'number' ? r.body_mass_g : median));
    const mean = imputed.reduce((sum, m) => sum + m, 0) / imputed.length;
    expect(bundle.spec.transforms.find((t) => t.input === 'body_mass_g')).toMatchObject({
      kind: 'numeric',
      impute: median,
      mean: expect.closeTo(mean, 9),
    });
  });

  it('reports held-out metrics with the dataset, row counts and split seed', () => {
    expect(bundle.metrics).toMatchObject({
      dataset: {
        source: 'vega-datasets@3.2.1',
        file: 'penguins.json',
        totalRows: 344,
        droppedRowsWithoutLabel: 0,
        usedRows: 344,
      },
      split: { seed: recipe.split.seed, testFraction: 0.2, trainRows: 275, testRows: 69 },
      classes: ['Adelie', 'Chinstrap', 'Gentoo'],
    });
    expect(bundle.metrics.test.accuracy).toBeGreaterThan(0.9);
  });

  it('serves a raw record with missing values end to end: spec → ONNX Runtime → prediction', async () => {
    const [features] = applyFeatureSpec(bundle.spec, [
      { island: 'Biscoe', beak_length_mm: 47.5, flipper_length_mm: 222, body_mass_g: 5400, sex: null },
    ]);
    const session = await ort.InferenceSession.create(bundle.onnx);
    try {
      const out = await session.run({
        features: new ort.Tensor('float32', features.data as Float32Array, features.shape),
      });
      const [prediction] = interpretOutputs(bundle.spec, [
        {
          name: 'probabilities',
          datatype: 'FP32',
          shape: [...out.probabilities.dims],
          data: out.probabilities.data as Float32Array,
        },
        { name: 'label', datatype: 'INT64', shape: [...out.label.dims], data: out.label.data as BigInt64Array },
      ]);
      expect(prediction.label).toBe('Gentoo');
      expect(prediction.probability).toBeGreaterThan(0.9);
    } finally {
      await session.release();
    }
  });
});
