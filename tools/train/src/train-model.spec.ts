import { applyFeatureSpec, interpretOutputs } from '@aviary/features';
import * as ort from 'onnxruntime-node';
import { DATASETS, DatasetName } from './datasets';
import { MODELS } from './models';
import { trainTestSplit } from './split';
import { trainModel, TrainedBundle } from './train-model';

const recipeOf = (name: string) => MODELS.filter((m) => m.name === name)[0];
const recipe = recipeOf('penguin-species');
const dataset = DATASETS.penguins();
let bundle: TrainedBundle;

beforeAll(async () => {
  bundle = await trainModel(recipe, dataset);
});

/** Runs a bundle's ONNX model in ONNX Runtime on records, through its spec: what serving does. */
async function serve(trained: TrainedBundle, records: Record<string, unknown>[]) {
  const [features] = applyFeatureSpec(trained.spec, records);
  const session = await ort.InferenceSession.create(trained.onnx);
  try {
    const out = await session.run({
      features: new ort.Tensor('float32', features.data as Float32Array, features.shape),
    });
    return interpretOutputs(
      trained.spec,
      Object.entries(out).map(([name, t]) => ({
        name,
        datatype: t.type === 'int64' ? 'INT64' : 'FP32',
        shape: [...t.dims],
        data: t.data as Float32Array | BigInt64Array,
      })),
    );
  } finally {
    await session.release();
  }
}

describe.each<[string, DatasetName]>([
  ['penguin-species', 'penguins'],
  ['car-mpg', 'cars'],
])('trainModel (%s)', (name, data) => {
  it('produces byte-identical bundles on every run', async () => {
    const [first, again] = [
      await trainModel(recipeOf(name), DATASETS[data]()),
      await trainModel(recipeOf(name), DATASETS[data]()),
    ];
    expect(Buffer.from(again.onnx).equals(Buffer.from(first.onnx))).toBe(true);
    expect(JSON.stringify(again.spec)).toBe(JSON.stringify(first.spec));
    expect(JSON.stringify(again.metrics)).toBe(JSON.stringify(first.metrics));
    expect(JSON.stringify(again.holdout)).toBe(JSON.stringify(first.holdout));
  });
});

describe('trainModel (penguin-species)', () => {
  it('matches ONNX Runtime within 1e-5', () => {
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
    expect(bundle.metrics.test).toMatchObject({ accuracy: expect.any(Number) });
    expect((bundle.metrics.test as { accuracy: number }).accuracy).toBeGreaterThan(0.9);
  });

  it('serves a raw record with missing values end to end: spec → ONNX Runtime → prediction', async () => {
    const [prediction] = await serve(bundle, [
      { island: 'Biscoe', beak_length_mm: 47.5, flipper_length_mm: 222, body_mass_g: 5400, sex: null },
    ]);
    expect(prediction).toMatchObject({ label: 'Gentoo', probability: expect.any(Number) });
    expect((prediction as { probability: number }).probability).toBeGreaterThan(0.9);
  });
});

describe('trainModel (car-mpg)', () => {
  const cars = recipeOf('car-mpg');
  let mpg: TrainedBundle;

  beforeAll(async () => {
    mpg = await trainModel(cars, DATASETS.cars());
  });

  it('drops the rows without a label and reports held-out RMSE, MAE and R² against the training-mean baseline', () => {
    expect(mpg.metrics).toMatchObject({
      dataset: { file: 'cars.json', totalRows: 406, droppedRowsWithoutLabel: 8, usedRows: 398 },
      split: { seed: cars.split.seed, trainRows: 318, testRows: 80 },
      training: { algorithm: 'linear regression (ridge, closed form)', l2: cars.training.l2 },
      trainingMean: expect.any(Number),
      test: { rmse: expect.any(Number), mae: expect.any(Number), r2: expect.any(Number) },
    });
    const test = mpg.metrics.test as { rmse: number; meanBaselineRmse: number; r2: number };
    expect(test.rmse).toBeLessThan(test.meanBaselineRmse / 2);
    expect(test.r2).toBeGreaterThan(0.7);
    expect(mpg.holdout).toHaveLength(80);
    expect(mpg.holdout.every((r) => typeof r.label === 'number')).toBe(true);
  });

  it('matches ONNX Runtime within float32 precision of the values', () => {
    expect(mpg.ortMaxDifference).toBeLessThan(1e-5 * 50);
  });

  it('serves a record without horsepower end to end, imputing the training median', async () => {
    const car = {
      cylinders: 4,
      displacement: 98,
      weight_lbs: 2130,
      acceleration: 14.5,
      model_year: 1980,
      origin: 'Japan',
    };
    const horsepower = mpg.spec.transforms.find((t) => t.input === 'horsepower');
    const impute = horsepower?.kind === 'numeric' ? horsepower.impute : NaN;
    const [missing, median] = await serve(mpg, [
      { ...car, horsepower: null },
      { ...car, horsepower: impute },
    ]);
    expect(missing).toEqual(median);
    expect((missing as { value: number }).value).toBeGreaterThan(25);
  });
});
