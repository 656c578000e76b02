// Trains one model recipe end to end: split, fit the feature spec on the training rows only, train, score the
// held-out rows, export to ONNX and prove ONNX Runtime reproduces the trainer's probabilities (or values).
import {
  binaryMetrics,
  BinaryMetrics,
  multiclassMetrics,
  MulticlassMetrics,
  regressionMetrics,
  RegressionMetrics,
} from '@aviary/evaluation';
import { applyFeatureSpec, FeatureSpec, fitFeatureSpec } from '@aviary/features';
import type { LabelledDataset } from './datasets';
import { predictProbabilities, TrainingOptions, trainLinearClassifier } from './linear-classifier';
import { predictValues, RidgeOptions, trainLinearRegressor } from './linear-regressor';
import { ClassifierRecipe, isRegressor, ModelRecipe, RegressorRecipe } from './models';
import { exportLinearClassifier, exportLinearRegressor, IR_VERSION, OPSET_VERSION } from './onnx-export';
import { checkOnnxRuntimeAgrees } from './ort-check';
import { trainTestSplit } from './split';

/** Largest probability difference allowed between ONNX Runtime (float32) and the trainer (float64). */
export const ORT_TOLERANCE = 1e-5;
/** The same for a regressor's values, relative to the size of the value: float32 keeps about 7 significant digits. */
export const ORT_RELATIVE_VALUE_TOLERANCE = 1e-5;

interface ReportHeader {
  model: string;
  version: number;
  dataset: { source: string; file: string; totalRows: number; droppedRowsWithoutLabel: number; usedRows: number };
  split: { seed: number; testFraction: number; trainRows: number; testRows: number };
  features: number;
}

interface TrainingReport<Training, Metrics> {
  training: Training & { algorithm: string };
  onnx: { irVersion: number; opset: number };
  /** Metrics on the held-out test rows: the honest ones. */
  test: Metrics;
  /** The same metrics on the training rows, to show how far test falls from train. */
  train: Metrics;
}

type ClassifierReport = { classes: string[] } & TrainingReport<TrainingOptions, BinaryMetrics | MulticlassMetrics>;
/** `trainingMean`: the constant a regressor has to beat, the baseline of its meanBaselineRmse. */
type RegressorReport = { trainingMean: number } & TrainingReport<RidgeOptions, RegressionMetrics>;

export type MetricsReport = ReportHeader & (ClassifierReport | RegressorReport);

const ONNX_FORMAT = { irVersion: IR_VERSION, opset: OPSET_VERSION };

export interface TrainedBundle {
  spec: FeatureSpec;
  onnx: Uint8Array;
  metrics: MetricsReport;
  /** Largest |ONNX Runtime − trainer| probability (or value) over the test rows. */
  ortMaxDifference: number;
  /** The held-out rows as raw records with their true class or value in `label`: an evaluation set for quality gates. */
  holdout: Record<string, unknown>[];
}

/** What both kinds of model share: the split, the spec fitted on the training rows, both feature matrices. */
interface PreparedData {
  spec: FeatureSpec;
  train: { rows: number[]; x: Float32Array };
  test: { rows: number[]; x: Float32Array };
}

export async function trainModel(recipe: ModelRecipe, dataset: LabelledDataset): Promise<TrainedBundle> {
  const split = trainTestSplit(dataset.records.length, recipe.split);
  const records = (rows: number[]) => rows.map((i) => dataset.records[i]);
  const spec = fitFeatureSpec(recipe.definition, records(split.train));
  const features = (rows: number[]) => applyFeatureSpec(spec, records(rows))[0].data as Float32Array;
  const data: PreparedData = {
    spec,
    train: { rows: split.train, x: features(split.train) },
    test: { rows: split.test, x: features(split.test) },
  };
  const { report, onnx, ortMaxDifference } = isRegressor(recipe)
    ? await trainRegressor(recipe, dataset, data)
    : await trainClassifier(recipe, dataset, data);
  const metrics: MetricsReport = {
    model: recipe.name,
    version: recipe.version,
    dataset: {
      source: `vega-datasets@${dataset.packageVersion}`,
      file: dataset.file,
      totalRows: dataset.totalRows,
      droppedRowsWithoutLabel: dataset.droppedRows,
      usedRows: dataset.records.length,
    },
    split: { ...recipe.split, trainRows: split.train.length, testRows: split.test.length },
    features: spec.featureNames.length,
    ...report,
  };
  const holdout = split.test.map((i) => ({ ...dataset.records[i], label: dataset.labels[i] }));
  return { spec, onnx, metrics, ortMaxDifference, holdout };
}

interface Trained<Report> {
  report: Report;
  onnx: Uint8Array;
  ortMaxDifference: number;
}

async function trainClassifier(
  recipe: ClassifierRecipe,
  dataset: LabelledDataset,
  { spec, train, test }: PreparedData,
): Promise<Trained<ClassifierReport>> {
  const { classes, task, labelOutput, probabilityOutput } = recipe.definition.prediction;
  const classIndex = (rows: number[]) =>
    Int32Array.from(rows, (i) => {
      const k = classes.indexOf(String(dataset.labels[i]));
      if (k < 0)
        throw new Error(`${dataset.file} row ${i}: label "${dataset.labels[i]}" is not one of ${classes.join(', ')}`);
      return k;
    });
  const model = trainLinearClassifier(
    { features: train.x, labels: classIndex(train.rows), inputs: spec.featureNames.length, classes: classes.length },
    recipe.training,
  );
  const score = ({ rows, x }: PreparedData['test']) => {
    const probabilities = predictProbabilities(model, x);
    const y = classIndex(rows);
    return task === 'binary' ? binaryMetrics(probabilities, y) : multiclassMetrics(probabilities, y, classes.length);
  };
  const onnx = exportLinearClassifier(model, {
    modelName: recipe.name,
    modelVersion: recipe.version,
    inputName: spec.output.name,
    probabilityOutput,
    labelOutput,
    classes,
  });
  const ortMaxDifference = await checkOnnxRuntimeAgrees({
    onnx,
    spec,
    features: test.x,
    expected: predictProbabilities(model, test.x),
    tolerance: ORT_TOLERANCE,
  });
  const algorithm = task === 'binary' ? 'logistic regression (L2, Adam)' : 'softmax regression (L2, Adam)';
  return {
    report: {
      classes: [...classes],
      training: { algorithm, ...recipe.training },
      onnx: ONNX_FORMAT,
      test: score(test),
      train: score(train),
    },
    onnx,
    ortMaxDifference,
  };
}

async function trainRegressor(
  recipe: RegressorRecipe,
  dataset: LabelledDataset,
  { spec, train, test }: PreparedData,
): Promise<Trained<RegressorReport>> {
  const targets = (rows: number[]) =>
    Float64Array.from(rows, (i) => {
      const y = dataset.labels[i];
      if (typeof y !== 'number')
        throw new Error(`${dataset.file} row ${i}: label ${JSON.stringify(y)} is not a number`);
      return y;
    });
  const trainY = targets(train.rows);
  const trainingMean = trainY.reduce((sum, y) => sum + y, 0) / trainY.length;
  const model = trainLinearRegressor(
    { features: train.x, targets: trainY, inputs: spec.featureNames.length },
    recipe.training,
  );
  // The baseline is the training mean on both splits: the best constant a model could learn from the training rows.
  const score = ({ rows, x }: PreparedData['test']) =>
    regressionMetrics(predictValues(model, x), targets(rows), trainingMean);
  const onnx = exportLinearRegressor(model, {
    modelName: recipe.name,
    modelVersion: recipe.version,
    inputName: spec.output.name,
    valueOutput: recipe.definition.prediction.valueOutput,
  });
  const expected = predictValues(model, test.x);
  const ortMaxDifference = await checkOnnxRuntimeAgrees({
    onnx,
    spec,
    features: test.x,
    expected,
    tolerance: ORT_RELATIVE_VALUE_TOLERANCE * Math.max(1, ...expected.map(Math.abs)),
  });
  return {
    report: {
      trainingMean,
      training: { algorithm: 'linear regression (ridge, closed form)', ...recipe.training },
      onnx: ONNX_FORMAT,
      test: score(test),
      train: score(train),
    },
    onnx,
    ortMaxDifference,
  };
}
