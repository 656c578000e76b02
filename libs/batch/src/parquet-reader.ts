// Parquet with hyparquet (pure JavaScript, ZSTD through hyparquet-compressors): a chunk is a row group (or a row range
// within one), read column by column from the local file with positioned reads, so a worker holds one row group's
// columns at most, and yields them in batches of columns, never as records.
import type { ChunkPlan } from '@aviary/contracts';
import { AsyncBuffer, FileMetaData, ParquetParsers, parquetMetadataAsync, parquetRead } from 'hyparquet';
import { compressors } from 'hyparquet-compressors';
import { open } from 'node:fs/promises';
import { ColumnBatches, plainParquetValue, ROWS_PER_BATCH } from './rows';
import type { TextPlan } from './text-readers';

/** Runs `use` with the file as hyparquet's AsyncBuffer, closing it after. */
async function withParquetFile<T>(path: string, use: (file: AsyncBuffer) => Promise<T>): Promise<T> {
  const handle = await open(path, 'r');
  try {
    const { size } = await handle.stat();
    const file: AsyncBuffer = {
      byteLength: size,
      async slice(start, end = size) {
        const bytes = new Uint8Array(end - start);
        await handle.read(bytes, 0, bytes.length, start);
        return bytes.buffer;
      },
    };
    return await use(file);
  } finally {
    await handle.close();
  }
}

/**
 * Top-level columns; each row group cut into equal row ranges of at most `chunkRows`. Cutting is not free: hyparquet
 * decodes a column chunk's pages whole whatever rows are asked for (flights-3m: 45,455 rows of a row group read in
 * 0.46-0.56 s, all 272,727 in 0.55 s), so a chunk per row group is the default.
 */
export function planParquet(path: string, chunkRows: number): Promise<TextPlan> {
  return withParquetFile(path, async (file) => {
    const metadata = await parquetMetadataAsync(file);
    const chunks: ChunkPlan[] = [];
    let firstRow = 1;
    metadata.row_groups.forEach((group, rowGroup) => {
      const groupRows = Number(group.num_rows);
      const pieces = Math.max(1, Math.ceil(groupRows / chunkRows));
      for (let piece = 0, done = 0; piece < pieces; piece++) {
        const rows = Math.ceil((groupRows - done) / (pieces - piece));
        chunks.push({ index: chunks.length, firstRow, rows, rowGroup });
        firstRow += rows;
        done += rows;
      }
    });
    return { columns: topLevelColumns(metadata), totalRows: firstRow - 1, chunks };
  });
}

/** The schema is a flattened tree (root first): the root's children, skipping the descendants of nested groups. */
function topLevelColumns({ schema }: FileMetaData): string[] {
  const names: string[] = [];
  const skip = (index: number): number => {
    let next = index + 1;
    for (let c = 0; c < (schema[index].num_children ?? 0); c++) next = skip(next);
    return next;
  };
  for (let index = 1, c = 0; c < (schema[0].num_children ?? 0); c++) {
    names.push(schema[index].name);
    index = skip(index);
  }
  return names;
}

// Timestamps straight to the text plainParquetValue would make of their Date, once per dictionary entry, not per row.
const ISO_TIMESTAMPS: Partial<ParquetParsers> = {
  timestampFromMilliseconds: (millis) => new Date(Number(millis)).toISOString(),
  timestampFromMicroseconds: (micros) => new Date(Number(micros / 1000n)).toISOString(),
  timestampFromNanoseconds: (nanos) => new Date(Number(nanos / 1000000n)).toISOString(),
};

/** The chunk's rows, only the named columns, in batches of ROWS_PER_BATCH. */
export async function* readParquet(path: string, chunk: ChunkPlan, columns: readonly string[]): ColumnBatches {
  const rowStart = chunk.firstRow - 1;
  const rowEnd = rowStart + chunk.rows;
  const data = new Map<string, { start: number; values: ArrayLike<unknown> }[]>();
  await withParquetFile(path, (file) =>
    parquetRead({
      file,
      compressors,
      parsers: ISO_TIMESTAMPS,
      columns: [...columns],
      rowStart,
      rowEnd,
      onChunk: ({ columnName, columnData, rowStart: start }) => {
        const runs = data.get(columnName) ?? [];
        runs.push({ start, values: columnData });
        data.set(columnName, runs);
      },
    }),
  );
  const readers = columns.map((name) => columnReader(data.get(name) ?? []));
  for (let from = rowStart; from < rowEnd; from += ROWS_PER_BATCH) {
    const to = Math.min(rowEnd, from + ROWS_PER_BATCH);
    const rows = new Int32Array(to - from);
    for (let r = from; r < to; r++) rows[r - from] = r + 1;
    const batch = new Map<string, unknown[]>();
    columns.forEach((name, c) => {
      const values = new Array<unknown>(to - from);
      for (let r = from; r < to; r++) values[r - from] = plainParquetValue(readers[c](r));
      batch.set(name, values);
    });
    yield { rows, columns: batch, unreadable: [] };
  }
}

/** A value by absolute row index from a column's runs (they may cover more rows than asked for). */
function columnReader(runs: { start: number; values: ArrayLike<unknown> }[]): (row: number) => unknown {
  runs.sort((a, b) => a.start - b.start);
  let current = 0;
  return (row) => {
    while (current < runs.length && row >= runs[current].start + runs[current].values.length) current++;
    const run = runs[current];
    return run && row >= run.start ? run.values[row - run.start] : undefined;
  };
}
