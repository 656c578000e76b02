// Held-out metrics: classification from class probabilities [N, C] and true class indices, regression from predicted
// and true values.

export interface BinaryMetrics {
  /** Area under the ROC curve of the positive-class probability (ties count half). */
  auc: number;
  /** Share of rows whose most probable class (threshold 0.5) is right. */
  accuracy: number;
  logLoss: number;
  /** Share of positive rows in the evaluated set. */
  positiveRate: number;
  /** Share of rows predicted positive at threshold 0.5. */
  predictedPositiveRate: number;
  /** Accuracy of always answering the majority class: the bar accuracy has to clear. */
  majorityAccuracy: number;
}

export interface MulticlassMetrics {
  accuracy: number;
  /** Unweighted mean of the per-class F1 scores. */
  macroF1: number;
  logLoss: number;
  majorityAccuracy: number;
  /** confusion[actual][predicted] row counts. */
  confusion: number[][];
}

/** A classifier pushed without a feature spec: its own label output against the true label. */
export interface RawClassifierMetrics {
  accuracy: number;
  /** Only when the model's probability columns have known class labels (a rewritten ZipMap). */
  logLoss?: number;
  /** Only for two classes with known probability columns; the positive class is the second label. */
  auc?: number;
}

export interface RegressionMetrics {
  /** Root mean squared error. */
  rmse: number;
  /** Mean absolute error. */
  mae: number;
  /** Coefficient of determination, 1 − SSE/SST around the evaluated rows' own mean (scikit-learn's r2_score). */
  r2: number;
  /** RMSE of always predicting the baseline (the training mean when known): the bar rmse has to clear. */
  meanBaselineRmse: number;
}

export type Metrics = BinaryMetrics | MulticlassMetrics | RawClassifierMetrics | RegressionMetrics;

/** Every figure an evaluation reports, by the name it is stored under: what a quality gate may name. */
export const METRIC_NAMES = [
  'auc',
  'accuracy',
  'logLoss',
  'macroF1',
  'positiveRate',
  'predictedPositiveRate',
  'majorityAccuracy',
  'rmse',
  'mae',
  'r2',
  'meanBaselineRmse',
] as const satisfies readonly (keyof BinaryMetrics | keyof MulticlassMetrics | keyof RegressionMetrics)[];
export type MetricName = (typeof METRIC_NAMES)[number];

// Probabilities are clipped so one confident mistake costs a large but finite amount.
const MIN_PROBABILITY = 1e-15;

export function rocAuc(scores: ArrayLike<number>, positive: ArrayLike<boolean>): number {
  const n = scores.length;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => scores[a] - scores[b]);
  let positives = 0;
  let positiveRankSum = 0;
  for (let start = 0; start < n;) {
    let end = start;
    while (end < n && scores[order[end]] === scores[order[start]]) end++;
    // Tied scores share the mean of their 1-based ranks.
    const rank = (start + 1 + end) / 2;
    for (let i = start; i < end; i++) {
      if (positive[order[i]]) {
        positives++;
        positiveRankSum += rank;
      }
    }
    start = end;
  }
  const negatives = n - positives;
  if (positives === 0 || negatives === 0) throw new Error('AUC needs at least one positive and one negative row');
  return (positiveRankSum - (positives * (positives + 1)) / 2) / (positives * negatives);
}

export function logLoss(probabilities: ArrayLike<number>, labels: ArrayLike<number>, classes: number): number {
  let total = 0;
  for (let row = 0; row < labels.length; row++)
    total -= Math.log(Math.max(MIN_PROBABILITY, probabilities[row * classes + labels[row]]));
  return total / labels.length;
}

/** Most probable class per row; the lowest index wins a tie, as ONNX ArgMax does. */
export function argmaxRows(probabilities: ArrayLike<number>, classes: number): Int32Array {
  const rows = probabilities.length / classes;
  const out = new Int32Array(rows);
  for (let row = 0; row < rows; row++) {
    let best = 0;
    for (let k = 1; k < classes; k++)
      if (probabilities[row * classes + k] > probabilities[row * classes + best]) best = k;
    out[row] = best;
  }
  return out;
}

export function confusionMatrix(predicted: ArrayLike<number>, labels: ArrayLike<number>, classes: number): number[][] {
  const matrix = Array.from({ length: classes }, () => new Array<number>(classes).fill(0));
  for (let row = 0; row < labels.length; row++) matrix[labels[row]][predicted[row]]++;
  return matrix;
}

export function binaryMetrics(probabilities: ArrayLike<number>, labels: ArrayLike<number>): BinaryMetrics {
  const n = labels.length;
  const scores = Array.from({ length: n }, (_, row) => probabilities[row * 2 + 1]);
  const positive = Array.from({ length: n }, (_, row) => labels[row] === 1);
  const predicted = argmaxRows(probabilities, 2);
  const positives = positive.filter(Boolean).length;
  return {
    auc: rocAuc(scores, positive),
    accuracy: accuracy(predicted, labels),
    logLoss: logLoss(probabilities, labels, 2),
    positiveRate: positives / n,
    predictedPositiveRate: predicted.reduce((sum, k) => sum + k, 0) / n,
    majorityAccuracy: Math.max(positives, n - positives) / n,
  };
}

export function multiclassMetrics(
  probabilities: ArrayLike<number>,
  labels: ArrayLike<number>,
  classes: number,
): MulticlassMetrics {
  const predicted = argmaxRows(probabilities, classes);
  const confusion = confusionMatrix(predicted, labels, classes);
  const f1 = confusion.map((row, k) => {
    const truePositives = row[k];
    const actual = row.reduce((a, b) => a + b, 0);
    const predictedAsK = confusion.reduce((sum, r) => sum + r[k], 0);
    return actual + predictedAsK === 0 ? 0 : (2 * truePositives) / (actual + predictedAsK);
  });
  const classCounts = confusion.map((row) => row.reduce((a, b) => a + b, 0));
  return {
    accuracy: accuracy(predicted, labels),
    macroF1: f1.reduce((a, b) => a + b, 0) / classes,
    logLoss: logLoss(probabilities, labels, classes),
    majorityAccuracy: Math.max(...classCounts) / labels.length,
    confusion,
  };
}

/** `baseline` is the constant a model must beat, the training mean; it defaults to the mean of `actual`. */
export function regressionMetrics(
  predicted: ArrayLike<number>,
  actual: ArrayLike<number>,
  baseline = mean(actual),
): RegressionMetrics {
  const n = actual.length;
  if (n === 0 || predicted.length !== n)
    throw new Error(`regression metrics need as many predictions as rows, got ${predicted.length} for ${n}`);
  const centre = mean(actual);
  let squared = 0;
  let absolute = 0;
  let total = 0;
  let baselineSquared = 0;
  for (let row = 0; row < n; row++) {
    const error = predicted[row] - actual[row];
    squared += error * error;
    absolute += Math.abs(error);
    total += (actual[row] - centre) ** 2;
    baselineSquared += (baseline - actual[row]) ** 2;
  }
  return {
    rmse: Math.sqrt(squared / n),
    mae: absolute / n,
    // Constant targets leave R² undefined; scikit-learn reports 1 for a perfect fit and 0 otherwise.
    r2: total > 0 ? 1 - squared / total : squared === 0 ? 1 : 0,
    meanBaselineRmse: Math.sqrt(baselineSquared / n),
  };
}

function mean(values: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < values.length; i++) sum += values[i];
  return sum / values.length;
}

/** Share of rows whose predicted class equals the true one (class indices or label strings alike). */
export function accuracy<T>(predicted: ArrayLike<T>, labels: ArrayLike<T>): number {
  let right = 0;
  for (let row = 0; row < labels.length; row++) if (predicted[row] === labels[row]) right++;
  return right / labels.length;
}
