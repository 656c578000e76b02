// What readers yield: text readers, input rows with their row numbers (from 1, in input order) or the reason a row is
// unreadable; every reader, through readChunk, batches of columns, which is what the scorer and writers read.
import type { InputField } from '@aviary/features';

export type InputRow = { row: number; record: Record<string, unknown> } | { row: number; error: string };

/** Rows of one chunk, a bounded batch at a time. */
export type RowBatches = AsyncIterable<InputRow[]>;

/** One batch of a chunk as columns: no object per row between the file and the output line. */
export interface ColumnBatch {
  /** Row number of each readable row, in order. */
  rows: ArrayLike<number>;
  /** The needed columns' values by name, one per readable row (undefined or null: missing). */
  columns: ReadonlyMap<string, ArrayLike<unknown>>;
  /** Rows that could not be read at all, with the reason. */
  unreadable: { row: number; reason: string }[];
}

export type ColumnBatches = AsyncIterable<ColumnBatch>;

/** Text rows turned into columns a batch at a time: the records of one batch, not of the chunk, are alive at once. */
export async function* asColumns(batches: RowBatches, names: readonly string[]): ColumnBatches {
  for await (const batch of batches) {
    const rows: number[] = [];
    const unreadable: ColumnBatch['unreadable'] = [];
    const values = names.map((): unknown[] => []);
    for (const input of batch) {
      if ('error' in input) {
        unreadable.push({ row: input.row, reason: input.error });
        continue;
      }
      rows.push(input.row);
      // Own properties only, as the online reader reads a record.
      for (let c = 0; c < names.length; c++)
        values[c].push(Object.hasOwn(input.record, names[c]) ? input.record[names[c]] : undefined);
    }
    yield { rows, columns: new Map(names.map((name, c) => [name, values[c]])), unreadable };
  }
}

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
