// What readers yield: input rows with their row numbers (from 1, in input order), or the reason a row is unreadable.
import type { InputField } from '@aviary/features';

export type InputRow = { row: number; record: Record<string, unknown> } | { row: number; error: string };

/** Rows of one chunk, a bounded batch at a time. */
export type RowBatches = AsyncIterable<InputRow[]>;

/** Rows yielded per batch by the text readers: large enough for one efficient model run. */
export const ROWS_PER_BATCH = 8192;

/**
 * CSV has only strings: a field becomes what the spec's input declares (number, bool; empty = missing), so the spec
 * checks the value, not its spelling. A number that does not parse stays text and is reported by the spec.
 */
export function typedCsvValue(field: InputField | undefined, text: string): unknown {
  if (text === '') return field ? null : '';
  switch (field?.type) {
    case 'number': {
      const value = Number(text);
      return Number.isFinite(value) ? value : text;
    }
    case 'bool': {
      const lower = text.toLowerCase();
      return lower === 'true' ? true : lower === 'false' ? false : text;
    }
    default:
      return text;
  }
}

/**
 * Parquet values as the feature spec reads them: INT64 (BigInt) as numbers, timestamps (hyparquet gives Dates whose
 * UTC fields are the file's wall clock when it is not UTC-adjusted, as in flights-3m) as ISO 8601 text.
 */
export function plainParquetValue(value: unknown): unknown {
  if (typeof value === 'bigint') {
    const n = Number(value);
    return Number.isSafeInteger(n) ? n : value.toString();
  }
  if (value instanceof Date) return value.toISOString();
  return value;
}
