// An input file's format, its columns and its chunks; and a chunk's rows, whatever the format.
import { ChunkPlan, InputFormat, invalid } from '@aviary/contracts';
import type { InputField } from '@aviary/features';
import { extname } from 'node:path';
import { planParquet, readParquet } from './parquet-reader';
import { asColumns, ColumnBatches } from './rows';
import { planCsv, planJsonLines, readCsv, readJsonLines, TextPlan } from './text-readers';

export type InputPlan = TextPlan;

/** Rows per chunk of a text input; a Parquet chunk is a row group unless asked for fewer rows. */
export const DEFAULT_CHUNK_ROWS = 50_000;

const EXTENSIONS: Record<string, InputFormat> = {
  '.jsonl': 'jsonl',
  '.ndjson': 'jsonl',
  '.json': 'jsonl',
  '.csv': 'csv',
  '.parquet': 'parquet',
};

/** The format named by a file's extension; INVALID_ARGUMENT when it names none. */
export function formatOf(name: string): InputFormat {
  const format = EXTENSIONS[extname(name).toLowerCase()];
  if (!format)
    throw invalid(`cannot tell the format of "${name}" from its extension; use .jsonl, .csv or .parquet, or name it`);
  return format;
}

/** Reads the whole file once; INVALID_ARGUMENT with the reason when it is not readable as `format`. */
export async function planInput(path: string, format: InputFormat, chunkRows?: number): Promise<InputPlan> {
  let plan: InputPlan;
  try {
    plan =
      format === 'parquet'
        ? await planParquet(path, chunkRows ?? Infinity)
        : format === 'csv'
          ? await planCsv(path, chunkRows ?? DEFAULT_CHUNK_ROWS)
          : await planJsonLines(path, chunkRows ?? DEFAULT_CHUNK_ROWS);
  } catch (e) {
    throw invalid(`the input is not readable as ${format}: ${(e as Error).message}`);
  }
  if (plan.totalRows === 0) throw invalid('the input has no rows');
  return plan;
}

export interface ChunkSource {
  path: string;
  format: InputFormat;
  /** The file's columns (CSV: its header). */
  columns: readonly string[];
  /** The columns a job reads: the spec's inputs and the kept ones. */
  needed: readonly string[];
  inputs: readonly InputField[];
}

/** The chunk's needed columns, a batch at a time. */
export function readChunk(source: ChunkSource, chunk: ChunkPlan): ColumnBatches {
  switch (source.format) {
    case 'parquet':
      return readParquet(source.path, chunk, source.needed);
    case 'csv':
      return asColumns(readCsv(source.path, chunk, source.columns, source.inputs), source.needed);
    case 'jsonl':
      return asColumns(readJsonLines(source.path, chunk), source.needed);
  }
}

/** Rejects a job whose input lacks a column the spec requires or one it was asked to keep. */
export function checkColumns(columns: readonly string[], inputs: readonly InputField[], keep: readonly string[]): void {
  const present = new Set(columns);
  const missing = inputs.filter((i) => i.required && !present.has(i.name)).map((i) => i.name);
  if (missing.length)
    throw invalid(
      `the input lacks column(s) the model needs: ${missing.join(', ')}; it has: ${columns.join(', ') || 'none'}`,
    );
  const unknown = keep.filter((k) => !present.has(k));
  if (unknown.length) throw invalid(`--keep names column(s) the input lacks: ${unknown.join(', ')}`);
}
