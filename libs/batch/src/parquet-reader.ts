// Parquet by row group with hyparquet (pure JavaScript, ZSTD through hyparquet-compressors): a chunk is one row
// group, read column by column from the local file with positioned reads, so a worker holds one row group at most.
import type { ChunkPlan } from '@aviary/contracts';
import { AsyncBuffer, FileMetaData, parquetMetadataAsync, parquetRead } from 'hyparquet';
import { compressors } from 'hyparquet-compressors';
import { open } from 'node:fs/promises';
import { InputRow, plainParquetValue, ROWS_PER_BATCH, RowBatches } from './rows';
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

/** Top-level columns; one chunk per row group. */
export function planParquet(path: string): Promise<TextPlan> {
  return withParquetFile(path, async (file) => {
    const metadata = await parquetMetadataAsync(file);
    let firstRow = 1;
    const chunks = metadata.row_groups.map((group, index) => {
      const rows = Number(group.num_rows);
      const chunk = { index, firstRow, rows, rowGroup: index };
      firstRow += rows;
      return chunk;
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

/** The chunk's row group, only the named columns, as records in batches of ROWS_PER_BATCH. */
export async function* readParquet(path: string, chunk: ChunkPlan, columns: readonly string[]): RowBatches {
  const rowStart = chunk.firstRow - 1;
  const rowEnd = rowStart + chunk.rows;
  const data = new Map<string, { start: number; values: ArrayLike<unknown> }[]>();
  await withParquetFile(path, (file) =>
    parquetRead({
      file,
      compressors,
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
    const batch: InputRow[] = new Array(to - from);
    for (let r = from; r < to; r++) {
      const record: Record<string, unknown> = {};
      for (let c = 0; c < columns.length; c++) {
        const value = readers[c](r);
        if (value !== undefined && value !== null) record[columns[c]] = plainParquetValue(value);
      }
      batch[r - from] = { row: r + 1, record };
    }
    yield batch;
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
