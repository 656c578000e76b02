// Output rows (JSON Lines or CSV) joined with the kept input columns, and the errors file (always JSON Lines). Lines
// are written as text straight from the column batch and the batch's prediction columns, with no object per row, and
// read exactly as JSON.stringify of the online prediction would.
import type { OutputFormat } from '@aviary/contracts';
import type { ClassColumns, PredictionColumns, PredictionSpec, ValueColumns } from '@aviary/features';
import type { ColumnBatch } from './rows';

export interface OutputWriter {
  /** The first line of the assembled output ('' for JSON Lines). */
  readonly header: string;
  /** Lines of the batch's rows `scored` (indexes into the batch), prediction i for row `scored[i]`. */
  lines(batch: ColumnBatch, scored: Int32Array, predictions: PredictionColumns): string;
}

/** CSV flattens a prediction to these columns; JSON Lines keeps it whole under "prediction". */
export const predictionColumnNames = (prediction: PredictionSpec): string[] =>
  prediction.task === 'regression' ? ['value'] : ['label', 'probability'];

/** JSON.stringify of a number: non-finite ones are null. */
const jsonNumber = (x: number) => (Number.isFinite(x) ? String(x) : 'null');

/** Index into the classes of the probability a row reports: the positive class (binary) or its label (multiclass). */
const reportedClass = (p: ClassColumns, i: number) => (p.task === 'binary' ? 1 : p.labels[i]);

/** Prediction i as the JSON text of the online path's prediction object. */
function predictionJson(prediction: PredictionSpec): (p: PredictionColumns, i: number) => string {
  if (prediction.task === 'regression') return (p, i) => `{"value":${jsonNumber((p as ValueColumns).values[i])}}`;
  const { classes } = prediction;
  const labels = classes.map((c) => JSON.stringify(c));
  const keys = labels.map((label) => `${label}:`);
  // The order an object built class by class lists its keys in (integer-like names first), as JSON.stringify does.
  const keyOrder = Object.keys(Object.fromEntries(classes.map((c, i) => [c, i]))).map((c) => classes.indexOf(c));
  const width = classes.length;
  const texts = new Array<string>(width);
  return (columns, i) => {
    const p = columns as ClassColumns;
    // Number to text is most of a line's cost: each probability once, the reported one reused.
    for (let c = 0; c < width; c++) texts[c] = jsonNumber(p.probabilities[i * width + c]);
    let text = `{"label":${labels[p.labels[i]]},"probability":${texts[reportedClass(p, i)]},"probabilities":{`;
    for (let k = 0; k < width; k++) text += `${k ? ',' : ''}${keys[keyOrder[k]]}${texts[keyOrder[k]]}`;
    return `${text}}}`;
  };
}

export function outputWriter(format: OutputFormat, keep: readonly string[], prediction: PredictionSpec): OutputWriter {
  if (format === 'jsonl') {
    const keys = keep.map((name) => `${JSON.stringify(name)}:`);
    const predicted = predictionJson(prediction);
    return {
      header: '',
      lines(batch, scored, predictions) {
        const kept = keep.map((name) => batch.columns.get(name));
        let text = '';
        for (let i = 0; i < scored.length; i++) {
          const at = scored[i];
          let line = `{"row":${batch.rows[at]},`;
          for (let k = 0; k < keys.length; k++) line += `${keys[k]}${JSON.stringify(kept[k]?.[at] ?? null)},`;
          text += `${line}"prediction":${predicted(predictions, i)}}\n`;
        }
        return text;
      },
    };
  }
  const regression = prediction.task === 'regression';
  const classes = regression ? [] : prediction.classes;
  return {
    header: `${['row', ...keep, ...predictionColumnNames(prediction)].map(csvField).join(',')}\n`,
    lines(batch, scored, predictions) {
      const kept = keep.map((name) => batch.columns.get(name));
      let text = '';
      for (let i = 0; i < scored.length; i++) {
        const at = scored[i];
        let line = String(batch.rows[at]);
        for (let k = 0; k < kept.length; k++) line += `,${csvField(kept[k]?.[at])}`;
        if (predictions.task === 'regression') line += `,${csvField(predictions.values[i])}`;
        else {
          const width = classes.length;
          const probability = predictions.probabilities[i * width + reportedClass(predictions, i)];
          line += `,${csvField(classes[predictions.labels[i]])},${csvField(probability)}`;
        }
        text += `${line}\n`;
      }
      return text;
    },
  };
}

/** RFC 4180: quoted when it holds a comma, quote or line break; missing values are empty. */
export function csvField(value: unknown): string {
  if (value === undefined || value === null) return '';
  const text = typeof value === 'string' ? value : typeof value === 'object' ? JSON.stringify(value) : String(value);
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export const errorLine = (row: number, reason: string) => `${JSON.stringify({ row, reason })}\n`;
