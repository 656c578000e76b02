// Output rows (JSON Lines or CSV) joined with the kept input columns, and the errors file (always JSON Lines).
import type { OutputFormat } from '@aviary/contracts';
import type { PredictionSpec, RecordPrediction } from '@aviary/features';

export interface OutputWriter {
  /** The first line of the assembled output ('' for JSON Lines). */
  readonly header: string;
  line(row: number, record: Record<string, unknown>, prediction: RecordPrediction): string;
}

/** CSV flattens a prediction to these columns; JSON Lines keeps it whole under "prediction". */
export const predictionColumns = (prediction: PredictionSpec): string[] =>
  prediction.task === 'regression' ? ['value'] : ['label', 'probability'];

export function outputWriter(format: OutputFormat, keep: readonly string[], prediction: PredictionSpec): OutputWriter {
  if (format === 'jsonl') {
    // Built as text around two JSON.stringify calls: a generic stringify of the whole row costs twice as much.
    const keys = keep.map((name) => `${JSON.stringify(name)}:`);
    return {
      header: '',
      line(row, record, predicted) {
        let line = `{"row":${row},`;
        for (let k = 0; k < keep.length; k++) line += `${keys[k]}${JSON.stringify(record[keep[k]] ?? null)},`;
        return `${line}"prediction":${JSON.stringify(predicted)}}\n`;
      },
    };
  }
  const columns = predictionColumns(prediction);
  return {
    header: `${['row', ...keep, ...columns].map(csvField).join(',')}\n`,
    line(row, record, predicted) {
      const fields = [String(row)];
      for (const name of keep) fields.push(csvField(record[name]));
      for (const name of columns) fields.push(csvField((predicted as Record<string, unknown>)[name]));
      return `${fields.join(',')}\n`;
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
