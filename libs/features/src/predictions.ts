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

export function classPredictions(prediction: ClassifierPredictionSpec, outputs: readonly Tensor[]): ClassPrediction[] {
  const { classes, task, labelOutput, probabilityOutput } = prediction;
  const probs = findOutput(outputs, probabilityOutput);
  const labels = findOutput(outputs, labelOutput);
  const width = classes.length;
  if (!isFloat(probs) || probs.shape.length !== 2 || probs.shape[1] !== width) {
    throw mismatch(
      `output "${probabilityOutput}" must be FP32 or FP64 [N, ${width}], got ${probs.datatype} [${probs.shape.join(', ')}]`,
    );
  }
  const rows = probs.shape[0];
  const p = probs.data as Float32Array | Float64Array;
  if (p.length !== rows * width)
    throw mismatch(`output "${probabilityOutput}" holds ${p.length} values, its shape says ${rows * width}`);
  const labelAt = labelReader(labels, rows, classes);

  const predictions: ClassPrediction[] = new Array(rows);
  for (let row = 0; row < rows; row++) {
    const label = labelAt(row);
    const probabilities: Record<string, number> = {};
    for (let c = 0; c < width; c++) probabilities[classes[c]] = p[row * width + c];
    const probability = task === 'binary' ? probabilities[classes[1]] : probabilities[label];
    predictions[row] = { label, probability, probabilities };
  }
  return predictions;
}

export function valuePredictions(prediction: RegressionPredictionSpec, outputs: readonly Tensor[]): ValuePrediction[] {
  const values = findOutput(outputs, prediction.valueOutput);
  if (!isFloat(values) || !isColumn(values) || values.data.length !== values.shape[0]) {
    throw mismatch(
      `output "${values.name}" must be FP32 or FP64 [N] or [N, 1], got ${values.datatype} [${values.shape.join(', ')}]`,
    );
  }
  return Array.from(values.data as Float32Array | Float64Array, (value) => ({ value }));
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
function labelReader(labels: Tensor, rows: number, classes: readonly string[]): (row: number) => string {
  if (!isColumn(labels) || labels.shape[0] !== rows || labels.data.length !== rows) {
    throw mismatch(`output "${labels.name}" must hold one label per row [${rows}], got [${labels.shape.join(', ')}]`);
  }
  const data = labels.data;
  if (labels.datatype === 'BYTES') {
    const known = new Set(classes);
    return (row) => {
      const label = (data as string[])[row];
      if (!known.has(label))
        throw mismatch(`output "${labels.name}" holds label "${label}", which is not one of: ${classes.join(', ')}`);
      return label;
    };
  }
  if (labels.datatype.startsWith('INT') || labels.datatype.startsWith('UINT')) {
    return (row) => {
      const index = Number(data[row]);
      if (!(index >= 0 && index < classes.length))
        throw mismatch(`output "${labels.name}" holds class index ${index}, expected 0..${classes.length - 1}`);
      return classes[index];
    };
  }
  throw mismatch(`output "${labels.name}" must be an integer class index or BYTES class name, got ${labels.datatype}`);
}

const mismatch = (message: string) =>
  new AviaryError(`model outputs do not match the feature spec: ${message}`, 'INTERNAL');
