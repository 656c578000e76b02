// Scores a model version on labelled records, through the same feature spec (or, without one, the same record-to-input
// matching) and ONNX Runtime session it serves with. A model without a spec is scored as a regressor or a classifier
// by the outputs it declares (specLessRegression).
import {
  AviaryError,
  describeValue,
  elementCount,
  formatTensorList,
  invalid,
  OutputRewriteRecord,
  Tensor,
  TensorMetadata,
} from '@aviary/contracts';
import {
  applyFeatureSpec,
  ClassifierPredictionSpec,
  FeatureSpec,
  isColumn,
  isFloat,
  RegressionPredictionSpec,
  recordsToTensors,
  valuePredictions,
} from '@aviary/features';
import {
  accuracy,
  binaryMetrics,
  logLoss,
  Metrics,
  multiclassMetrics,
  RawClassifierMetrics,
  regressionMetrics,
  rocAuc,
} from './metrics';

/** What a model session must offer: the ModelSession of @aviary/inference-engine fits. */
export interface Scorer {
  readonly inputs: readonly TensorMetadata[];
  readonly outputs: readonly TensorMetadata[];
  run(inputs: readonly Tensor[], outputNames?: readonly string[]): Promise<Tensor[]>;
}

export interface Evaluation {
  rows: number;
  metrics: Metrics;
}

export interface EvaluationRequest {
  scorer: Scorer;
  /** The version's feature spec; without one, a record's keys are the model's input names, as in spec-less predict. */
  spec?: FeatureSpec;
  /** The ZipMap rewrites the registry recorded: they name a spec-less model's probability output and its classes. */
  rewrites?: readonly OutputRewriteRecord[];
  /** Raw records, each with its true class name or value in `labelField`. */
  records: readonly unknown[];
  labelField?: string;
}

const BATCH_ROWS = 1024;

export async function evaluateVersion(request: EvaluationRequest): Promise<Evaluation> {
  const { scorer, spec, records } = request;
  const job: ScoringJob = { scorer, records, labelField: request.labelField ?? 'label' };
  const metrics = !spec
    ? await scoreSpecLess(job, request.rewrites)
    : spec.prediction.task === 'regression'
      ? await scoreRegressor(job, (fields) => applyFeatureSpec(spec, fields), spec.prediction)
      : await scoreClassifier(job, spec, spec.prediction);
  return { rows: records.length, metrics };
}

/**
 * Whether a model pushed without a feature spec is a regressor, and its value output: it is when it has no class
 * labels and a single output, FP32 or FP64 with one value per row, as scikit-learn, XGBoost and LightGBM export
 * regressors. Anything else is a classifier, scored by its label output; classifiers export a label (an integer or
 * string tensor), so none is taken for a regressor.
 */
export function specLessRegression(
  outputs: readonly TensorMetadata[],
  rewrites: readonly OutputRewriteRecord[] = [],
): RegressionPredictionSpec | undefined {
  if (rewrites.length > 0 || outputs.length !== 1) return undefined;
  const [value] = outputs;
  return isFloat(value) && isColumn(value) ? { task: 'regression', valueOutput: value.name } : undefined;
}

interface ScoringJob {
  scorer: Scorer;
  records: readonly unknown[];
  labelField: string;
}

async function scoreClassifier(
  { scorer, records, labelField }: ScoringJob,
  spec: FeatureSpec,
  { classes, task, probabilityOutput }: ClassifierPredictionSpec,
): Promise<Metrics> {
  const { fields, labels } = labelledRows(records, labelField, classLabelIn(classes));
  const width = classes.length;
  const probabilities = new Float64Array(fields.length * width);
  await runInBatches(scorer, applyFeatureSpec(spec, fields), [probabilityOutput], ([output], start, rows) => {
    if (output.data.length !== rows * width)
      throw internal(`output "${probabilityOutput}" has ${output.data.length} values for ${rows} rows`);
    probabilities.set(output.data as Float32Array, start * width);
  });
  const indices = Int32Array.from(labels, (label) => classes.indexOf(label));
  return task === 'binary' ? binaryMetrics(probabilities, indices) : multiclassMetrics(probabilities, indices, width);
}

/** A record's keys are the model's input names, as in spec-less predict. */
function scoreSpecLess(job: ScoringJob, rewrites: readonly OutputRewriteRecord[] = []): Promise<Metrics> {
  const regression = specLessRegression(job.scorer.outputs, rewrites);
  return regression
    ? scoreRegressor(job, (fields) => recordsToTensors(job.scorer.inputs, fields), regression)
    : scoreRawClassifier(job, rewrites);
}

async function scoreRegressor(
  { scorer, records, labelField }: ScoringJob,
  toInputs: (fields: Record<string, unknown>[]) => Tensor[],
  prediction: RegressionPredictionSpec,
): Promise<Metrics> {
  const { fields, labels } = labelledRows(records, labelField, numericLabel);
  const predicted = new Float64Array(fields.length);
  await runInBatches(scorer, toInputs(fields), [prediction.valueOutput], (outputs, start) =>
    valuePredictions(prediction, outputs).forEach(({ value }, row) => (predicted[start + row] = value)),
  );
  return regressionMetrics(predicted, labels);
}

/**
 * A classifier pushed without a feature spec: its label output is compared with the true label (as text, so 1 and "1"
 * agree); a rewritten ZipMap gives its probability columns class labels, which adds log-loss (and AUC for two).
 */
async function scoreRawClassifier(
  { scorer, records, labelField }: ScoringJob,
  rewrites: readonly OutputRewriteRecord[],
): Promise<RawClassifierMetrics> {
  const rewrite = rewrites.length === 1 ? rewrites[0] : undefined;
  const classes = rewrite?.classLabels.map(String);
  const labelOutput = findLabelOutput(scorer.outputs, rewrite?.output);
  const { fields, labels } = labelledRows(records, labelField, classes ? classLabelIn(classes) : anyClassLabel);
  const predicted: string[] = [];
  const probabilities = new Float64Array(classes ? fields.length * classes.length : 0);
  const wanted = rewrite ? [labelOutput.name, rewrite.output] : [labelOutput.name];
  await runInBatches(scorer, recordsToTensors(scorer.inputs, fields), wanted, ([label, probs], start, rows) => {
    if (label.data.length !== rows)
      throw internal(`output "${label.name}" has ${label.data.length} labels for ${rows} rows`);
    for (const value of label.data) predicted.push(String(value));
    if (!probs || !classes) return;
    if (probs.data.length !== rows * classes.length)
      throw internal(
        `output "${probs.name}" has ${probs.data.length} values for ${rows} rows of ${classes.length} classes`,
      );
    probabilities.set(probs.data as Float32Array, start * classes.length);
  });
  const metrics: RawClassifierMetrics = { accuracy: accuracy(predicted, labels) };
  if (!classes) return metrics;
  const indices = Int32Array.from(labels, (label) => classes.indexOf(label));
  metrics.logLoss = logLoss(probabilities, indices, classes.length);
  if (classes.length === 2) {
    metrics.auc = rocAuc(
      Array.from(indices, (_, row) => probabilities[row * 2 + 1]),
      Array.from(indices, (k) => k === 1),
    );
  }
  return metrics;
}

/** The one output holding a class per row (integer or string, [N] or [N, 1]), other than the probability output. */
function findLabelOutput(outputs: readonly TensorMetadata[], probabilityOutput: string | undefined): TensorMetadata {
  const candidates = outputs.filter(
    (o) =>
      o.name !== probabilityOutput &&
      (o.datatype === 'BYTES' || o.datatype.startsWith('INT') || o.datatype.startsWith('UINT')) &&
      isColumn(o),
  );
  if (candidates.length !== 1) {
    const described = formatTensorList(outputs);
    throw invalid(
      `evaluating a model without a feature spec needs exactly one label output (integer or string, one per row) for a classifier, or a single FP32 or FP64 output with one value per row for a regressor; it returns ${described}`,
    );
  }
  return candidates[0];
}

interface LabelledRows<L> {
  /** The records without their label field: what the model reads. */
  fields: Record<string, unknown>[];
  labels: L[];
}

/** Reads a label; returns undefined when it is not acceptable, and says what was expected. */
interface LabelReader<L> {
  read(label: unknown): L | undefined;
  expected: string;
}

function labelledRows<L>(records: readonly unknown[], labelField: string, reader: LabelReader<L>): LabelledRows<L> {
  if (records.length === 0) throw invalid('the evaluation set is empty');
  const labels: L[] = [];
  const fields = records.map((record, row) => {
    if (typeof record !== 'object' || record === null) throw invalid(`evaluation row ${row} is not an object`);
    const { [labelField]: label, ...rest } = record as Record<string, unknown>;
    const read = reader.read(label);
    if (read === undefined)
      throw invalid(`evaluation row ${row}: "${labelField}" is ${describeValue(label)}, expected ${reader.expected}`);
    labels.push(read);
    return rest;
  });
  return { fields, labels };
}

const classLabelIn = (classes: readonly string[]): LabelReader<string> => ({
  read: (label) => (classes.includes(String(label)) ? String(label) : undefined),
  expected: `one of ${classes.join(', ')}`,
});

const numericLabel: LabelReader<number> = {
  read: (label) => (typeof label === 'number' && Number.isFinite(label) ? label : undefined),
  expected: 'a number',
};

const anyClassLabel: LabelReader<string> = {
  read: (label) => (typeof label === 'string' || typeof label === 'number' ? String(label) : undefined),
  expected: 'a class label (string or number)',
};

/** Runs the model on row slices of `inputs`, so a large evaluation set never becomes one huge ONNX Runtime call. */
async function runInBatches(
  scorer: Scorer,
  inputs: readonly Tensor[],
  outputNames: readonly string[],
  take: (outputs: Tensor[], start: number, rows: number) => void,
): Promise<void> {
  const total = inputs[0].shape[0];
  for (let start = 0; start < total; start += BATCH_ROWS) {
    const end = Math.min(total, start + BATCH_ROWS);
    take(
      await scorer.run(
        inputs.map((t) => sliceRows(t, start, end)),
        outputNames,
      ),
      start,
      end - start,
    );
  }
}

function sliceRows(tensor: Tensor, start: number, end: number): Tensor {
  const perRow = elementCount(tensor.shape.slice(1));
  return {
    ...tensor,
    shape: [end - start, ...tensor.shape.slice(1)],
    data: tensor.data.slice(start * perRow, end * perRow),
  };
}

const internal = (message: string) => new AviaryError(message, 'INTERNAL');

/** Reads JSON Lines: one record per non-empty line. */
export function parseJsonLines(text: string, what: string): unknown[] {
  return text
    .split('\n')
    .map((line, i) => [line.trim(), i] as const)
    .filter(([line]) => line !== '')
    .map(([line, i]) => {
      try {
        return JSON.parse(line) as unknown;
      } catch {
        throw invalid(`${what} line ${i + 1} is not JSON`);
      }
    });
}
