// Reads a model's output tensors back into per-record predictions: class names and probabilities for a classifier,
// one number for a regressor.
import { AviaryError, Tensor } from '@aviary/contracts';
import type { ClassifierPredictionSpec, RegressionPredictionSpec } from './schema-parts';
import type { FeatureSpec } from './spec';

export interface ClassPrediction {
  label: string;
  /** Binary: probability of the positive class (classes[1]); multiclass: probability of `label`. */
  probability: number;
  probabilities: Record<string, number>;
}

export interface ValuePrediction {
  value: number;
}

export type Prediction = ClassPrediction | ValuePrediction;

/** Throws INTERNAL when the outputs do not match the spec: the model and its spec disagree, the caller did nothing wrong. */
export function interpretOutputs(spec: FeatureSpec, outputs: readonly Tensor[]): Prediction[] {
  return spec.prediction.task === 'regression'
    ? valuePredictions(spec.prediction, outputs)
    : classPredictions(spec.prediction, outputs);
}

/** A classifier's outputs for a whole batch, checked against its spec: per row a class index and every class's probability. */
export interface ClassColumns {
  task: 'binary' | 'multiclass';
  classes: readonly string[];
  /** Index into `classes` of each row's label. */
  labels: Int32Array;
  /** Row-major [rows, classes.length]. */
  probabilities: Float32Array | Float64Array;
}

export interface ValueColumns {
  task: 'regression';
  values: Float32Array | Float64Array;
}

/** Predictions of a whole batch as columns, for writers that format many rows without an object per row. */
export type PredictionColumns = ClassColumns | ValueColumns;

/** Throws INTERNAL when the outputs do not match the spec, as interpretOutputs does. */
export function predictionColumns(spec: FeatureSpec, outputs: readonly Tensor[]): PredictionColumns {
  return spec.prediction.task === 'regression'
    ? { task: 'regression', values: valueColumn(spec.prediction, outputs) }
    : classColumns(spec.prediction, outputs);
}

export function classColumns(prediction: ClassifierPredictionSpec, outputs: readonly Tensor[]): ClassColumns {
  const { classes, task, labelOutput, probabilityOutput } = prediction;
  const probs = findOutput(outputs, probabilityOutput);
  const width = classes.length;
  if (!isFloat(probs) || probs.shape.length !== 2 || probs.shape[1] !== width) {
    throw mismatch(
      `output "${probabilityOutput}" must be FP32 or FP64 [N, ${width}], got ${probs.datatype} [${probs.shape.join(', ')}]`,
    );
  }
  const rows = probs.shape[0];
  const probabilities = probs.data as Float32Array | Float64Array;
  if (probabilities.length !== rows * width)
    throw mismatch(
      `output "${probabilityOutput}" holds ${probabilities.length} values, its shape says ${rows * width}`,
    );
  return { task, classes, labels: labelIndexes(findOutput(outputs, labelOutput), rows, classes), probabilities };
}

export function classPredictions(prediction: ClassifierPredictionSpec, outputs: readonly Tensor[]): ClassPrediction[] {
  const { task, classes, labels, probabilities: p } = classColumns(prediction, outputs);
  const width = classes.length;
  const predictions: ClassPrediction[] = new Array(labels.length);
  for (let row = 0; row < labels.length; row++) {
    const label = classes[labels[row]];
    const probabilities: Record<string, number> = {};
    for (let c = 0; c < width; c++) probabilities[classes[c]] = p[row * width + c];
    const probability = task === 'binary' ? probabilities[classes[1]] : probabilities[label];
    predictions[row] = { label, probability, probabilities };
  }
  return predictions;
}

export function valuePredictions(prediction: RegressionPredictionSpec, outputs: readonly Tensor[]): ValuePrediction[] {
  return Array.from(valueColumn(prediction, outputs), (value) => ({ value }));
}

function valueColumn(prediction: RegressionPredictionSpec, outputs: readonly Tensor[]): Float32Array | Float64Array {
  const values = findOutput(outputs, prediction.valueOutput);
  if (!isFloat(values) || !isColumn(values) || values.data.length !== values.shape[0]) {
    throw mismatch(
      `output "${values.name}" must be FP32 or FP64 [N] or [N, 1], got ${values.datatype} [${values.shape.join(', ')}]`,
    );
  }
  return values.data as Float32Array | Float64Array;
}

/** A tensor (or its metadata) of floats, as a regressor's value output must be. */
export const isFloat = ({ datatype }: { datatype: string }) => datatype === 'FP32' || datatype === 'FP64';

/** One value per row: shape [N] or [N, 1]. */
export const isColumn = ({ shape }: { shape: readonly number[] }) =>
  shape.length === 1 || (shape.length === 2 && shape[1] === 1);

function findOutput(outputs: readonly Tensor[], name: string): Tensor {
  const found = outputs.find((t) => t.name === name);
  if (!found)
    throw mismatch(`the model has no output "${name}"; got: ${outputs.map((t) => t.name).join(', ') || 'none'}`);
  return found;
}

/** Labels come as class indices (integer tensors, as ArgMax gives) or as class names (BYTES). */
function labelIndexes(labels: Tensor, rows: number, classes: readonly string[]): Int32Array {
  if (!isColumn(labels) || labels.shape[0] !== rows || labels.data.length !== rows) {
    throw mismatch(`output "${labels.name}" must hold one label per row [${rows}], got [${labels.shape.join(', ')}]`);
  }
  const data = labels.data;
  const indexes = new Int32Array(rows);
  if (labels.datatype === 'BYTES') {
    const known = new Map(classes.map((name, index) => [name, index]));
    for (let row = 0; row < rows; row++) {
      const label = (data as string[])[row];
      const index = known.get(label);
      if (index === undefined)
        throw mismatch(`output "${labels.name}" holds label "${label}", which is not one of: ${classes.join(', ')}`);
      indexes[row] = index;
    }
    return indexes;
  }
  if (labels.datatype.startsWith('INT') || labels.datatype.startsWith('UINT')) {
    for (let row = 0; row < rows; row++) {
      const index = Number(data[row]);
      if (!(index >= 0 && index < classes.length))
        throw mismatch(`output "${labels.name}" holds class index ${index}, expected 0..${classes.length - 1}`);
      indexes[row] = index;
    }
    return indexes;
  }
  throw mismatch(`output "${labels.name}" must be an integer class index or BYTES class name, got ${labels.datatype}`);
}

const mismatch = (message: string) =>
  new AviaryError(`model outputs do not match the feature spec: ${message}`, 'INTERNAL');
