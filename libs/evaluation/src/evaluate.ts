// Scores a model version on labelled records, through the same feature spec and ONNX Runtime session it serves with.
import { AviaryError, invalid, Tensor } from '@aviary/contracts';
import { applyFeatureSpec, FeatureSpec } from '@aviary/features';
import { binaryMetrics, BinaryMetrics, multiclassMetrics, MulticlassMetrics } from './metrics';

/** What a model session must offer: the ModelSession of @aviary/inference-engine fits. */
export interface Scorer {
  run(inputs: readonly Tensor[], outputNames?: readonly string[]): Promise<Tensor[]>;
}

export interface Evaluation {
  rows: number;
  metrics: BinaryMetrics | MulticlassMetrics;
}

const BATCH_ROWS = 1024;

/** Each record holds the model's raw input fields plus `labelField` with the true class name. */
export async function evaluateClassifier(options: {
  scorer: Scorer;
  spec: FeatureSpec;
  records: readonly unknown[];
  labelField?: string;
}): Promise<Evaluation> {
  const { scorer, spec, records } = options;
  const labelField = options.labelField ?? 'label';
  const { classes, task, probabilityOutput } = spec.prediction;
  if (records.length === 0) throw invalid('the evaluation set is empty');
  const labels = new Int32Array(records.length);
  const inputs = records.map((record, row) => {
    if (typeof record !== 'object' || record === null) throw invalid(`evaluation row ${row} is not an object`);
    const { [labelField]: label, ...fields } = record as Record<string, unknown>;
    const k = classes.indexOf(String(label));
    if (k < 0)
      throw invalid(
        `evaluation row ${row}: "${labelField}" is ${JSON.stringify(label)}, expected one of ${classes.join(', ')}`,
      );
    labels[row] = k;
    return fields;
  });
  const probabilities = new Float64Array(records.length * classes.length);
  for (let start = 0; start < inputs.length; start += BATCH_ROWS) {
    const batch = inputs.slice(start, start + BATCH_ROWS);
    const [output] = await scorer.run(applyFeatureSpec(spec, batch), [probabilityOutput]);
    if (output.data.length !== batch.length * classes.length) {
      throw new AviaryError(
        `output "${probabilityOutput}" has ${output.data.length} values for ${batch.length} rows`,
        'INTERNAL',
      );
    }
    probabilities.set(output.data as Float32Array, start * classes.length);
  }
  const metrics =
    task === 'binary' ? binaryMetrics(probabilities, labels) : multiclassMetrics(probabilities, labels, classes.length);
  return { rows: records.length, metrics };
}

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
