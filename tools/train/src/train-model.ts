// Trains one model recipe end to end: split, fit the feature spec on the training rows only, train, score the
// held-out rows, export to ONNX and prove ONNX Runtime reproduces the trainer's probabilities.
import { applyFeatureSpec, FeatureSpec, fitFeatureSpec } from '@aviary/features';
import type { LabelledDataset } from './datasets';
import { LinearClassifier, predictProbabilities, trainLinearClassifier } from './linear-classifier';
import { binaryMetrics, BinaryMetrics, multiclassMetrics, MulticlassMetrics } from '@aviary/evaluation';
import type { ModelRecipe } from './models';
import { exportLinearClassifier, IR_VERSION, OPSET_VERSION } from './onnx-export';
import { checkOnnxRuntimeAgrees } from './ort-check';
import { trainTestSplit } from './split';

/** Largest probability difference allowed between ONNX Runtime (float32) and the trainer (float64). */
export const ORT_TOLERANCE = 1e-5;

export interface MetricsReport {
  model: string;
  version: number;
  dataset: { source: string; file: string; totalRows: number; droppedRowsWithoutLabel: number; usedRows: number };
  split: { seed: number; testFraction: number; trainRows: number; testRows: number };
  features: number;
  classes: string[];
  training: ModelRecipe['training'] & { algorithm: string };
  onnx: { irVersion: number; opset: number };
  /** Metrics on the held-out test rows: the honest ones. */
  test: BinaryMetrics | MulticlassMetrics;
  /** The same metrics on the training rows, to show how far test falls from train. */
  train: BinaryMetrics | MulticlassMetrics;
}

export interface TrainedBundle {
  spec: FeatureSpec;
  onnx: Uint8Array;
  metrics: MetricsReport;
  /** Largest |ONNX Runtime − trainer| probability over the test rows. */
  ortMaxDifference: number;
  /** The held-out rows as raw records with their true class in `label`: an evaluation set for quality gates. */
  holdout: Record<string, unknown>[];
}

export async function trainModel(recipe: ModelRecipe, dataset: LabelledDataset): Promise<TrainedBundle> {
  const { classes, task } = recipe.definition.prediction;
  const split = trainTestSplit(dataset.records.length, recipe.split);
  const trainRecords = split.train.map((i) => dataset.records[i]);
  const testRecords = split.test.map((i) => dataset.records[i]);
  const spec = fitFeatureSpec(recipe.definition, trainRecords);
  const width = spec.featureNames.length;
  const features = (records: Record<string, unknown>[]) => applyFeatureSpec(spec, records)[0].data as Float32Array;
  const classIndex = (rows: number[]) =>
    Int32Array.from(rows, (i) => {
      const k = classes.indexOf(dataset.labels[i]);
      if (k < 0)
        throw new Error(`${dataset.file} row ${i}: label "${dataset.labels[i]}" is not one of ${classes.join(', ')}`);
      return k;
    });
  const [trainX, testX] = [features(trainRecords), features(testRecords)];
  const [trainY, testY] = [classIndex(split.train), classIndex(split.test)];

  const model = trainLinearClassifier(
    { features: trainX, labels: trainY, inputs: width, classes: classes.length },
    recipe.training,
  );
  const score = (x: Float32Array, y: Int32Array) => evaluate(model, x, y, task === 'binary');
  const testProbabilities = predictProbabilities(model, testX);
  const onnx = exportLinearClassifier(model, {
    modelName: recipe.name,
    modelVersion: recipe.version,
    inputName: spec.output.name,
    probabilityOutput: spec.prediction.probabilityOutput,
    labelOutput: spec.prediction.labelOutput,
    classes: spec.prediction.classes,
  });
  const ortMaxDifference = await checkOnnxRuntimeAgrees({
    onnx,
    spec,
    features: testX,
    expected: testProbabilities,
    tolerance: ORT_TOLERANCE,
  });

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
    features: width,
    classes: [...classes],
    training: {
      algorithm: task === 'binary' ? 'logistic regression (L2, Adam)' : 'softmax regression (L2, Adam)',
      ...recipe.training,
    },
    onnx: { irVersion: IR_VERSION, opset: OPSET_VERSION },
    test: score(testX, testY),
    train: score(trainX, trainY),
  };
  const holdout = testRecords.map((record, j) => ({ ...record, label: dataset.labels[split.test[j]] }));
  return { spec, onnx, metrics, ortMaxDifference, holdout };
}

function evaluate(
  model: LinearClassifier,
  x: Float32Array,
  y: Int32Array,
  binary: boolean,
): BinaryMetrics | MulticlassMetrics {
  const probabilities = predictProbabilities(model, x);
  return binary ? binaryMetrics(probabilities, y) : multiclassMetrics(probabilities, y, model.classes);
}
