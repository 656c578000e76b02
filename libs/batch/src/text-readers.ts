// JSON Lines and CSV as streams: one planning pass over the file finds chunk boundaries (byte offsets at row ends),
// then each chunk reads only its byte range, so a worker holds one batch of rows, never the file.
import type { ChunkPlan } from '@aviary/contracts';
import type { InputField } from '@aviary/features';
import { parse, Parser } from 'csv-parse';
import { createReadStream } from 'node:fs';
import { InputRow, ROWS_PER_BATCH, RowBatches, typedCsvValue } from './rows';

export interface TextPlan {
  columns: string[];
  totalRows: number;
  chunks: ChunkPlan[];
}

const NEWLINE = 0x0a;

interface Line {
  text: string;
  /** Byte offset just past the line. */
  end: number;
}

/** The non-empty lines (CR stripped) of a byte range, a stream piece at a time: the consumer's pace drives reading. */
async function* lines(path: string, range: [number, number] | undefined): AsyncGenerator<Line[]> {
  const start = range?.[0] ?? 0;
  const stream = createReadStream(path, range ? { start, end: range[1] - 1 } : {});
  let carry: Buffer = Buffer.alloc(0);
  let offset = start;
  for await (const piece of stream as AsyncIterable<Buffer>) {
    const buffer = carry.length ? Buffer.concat([carry, piece]) : piece;
    const found: Line[] = [];
    let from = 0;
    for (let i = buffer.indexOf(NEWLINE); i !== -1; i = buffer.indexOf(NEWLINE, from)) {
      const text = buffer.toString('utf8', from, i > from && buffer[i - 1] === 0x0d ? i - 1 : i);
      from = i + 1;
      if (text.trim() !== '') found.push({ text, end: offset + from });
    }
    carry = buffer.subarray(from);
    offset += from;
    yield found;
  }
  const last = carry.toString('utf8');
  if (last.trim() !== '') yield [{ text: last, end: offset + carry.length }];
}

/** Regroups pieces of rows into batches of ROWS_PER_BATCH. */
async function* batched(pieces: AsyncIterable<InputRow[]>): RowBatches {
  let batch: InputRow[] = [];
  for await (const piece of pieces) {
    for (const row of piece) {
      batch.push(row);
      if (batch.length === ROWS_PER_BATCH) {
        yield batch;
        batch = [];
      }
    }
  }
  if (batch.length) yield batch;
}

function parseJsonLine(line: string, row: number): InputRow {
  try {
    const record: unknown = JSON.parse(line);
    if (typeof record === 'object' && record !== null && !Array.isArray(record))
      return { row, record: record as Record<string, unknown> };
    return { row, error: 'not a JSON object' };
  } catch {
    return { row, error: 'not valid JSON' };
  }
}

/** Splits rows into chunks of `chunkRows`; `end` is the byte offset just past the row. */
class ChunkCutter {
  readonly chunks: ChunkPlan[] = [];
  rows = 0;
  private chunkStart = 0;
  private chunkFirstRow = 1;

  constructor(private readonly chunkRows: number) {}

  /** A row whose end is not a record boundary (a skipped CSV record) cannot end a chunk. */
  add(end: number, boundary = true): void {
    this.rows++;
    if (boundary && this.rows - this.chunkFirstRow + 1 >= this.chunkRows) this.cut(end);
  }

  /** Starts the first chunk after a header. */
  startAt(offset: number): void {
    this.chunkStart = offset;
  }

  finish(end: number): ChunkPlan[] {
    if (this.rows >= this.chunkFirstRow) this.cut(end);
    return this.chunks;
  }

  private cut(end: number): void {
    this.chunks.push({
      index: this.chunks.length,
      firstRow: this.chunkFirstRow,
      rows: this.rows - this.chunkFirstRow + 1,
      bytes: [this.chunkStart, end],
    });
    this.chunkStart = end;
    this.chunkFirstRow = this.rows + 1;
  }
}

/** Columns are the keys of the first row that is a JSON object. */
export async function planJsonLines(path: string, chunkRows: number): Promise<TextPlan> {
  const cutter = new ChunkCutter(chunkRows);
  let columns: string[] | undefined;
  let end = 0;
  for await (const piece of lines(path, undefined)) {
    for (const line of piece) {
      cutter.add(line.end);
      end = line.end;
      if (!columns) {
        const parsed = parseJsonLine(line.text, 0);
        if ('record' in parsed) columns = Object.keys(parsed.record);
      }
    }
  }
  if (!columns) throw new Error(cutter.rows ? 'no line is a JSON object' : 'the file has no rows');
  return { columns, totalRows: cutter.rows, chunks: cutter.finish(end) };
}

export function readJsonLines(path: string, chunk: ChunkPlan): RowBatches {
  let row = chunk.firstRow;
  return batched(
    (async function* () {
      for await (const piece of lines(path, chunk.bytes)) yield piece.map((line) => parseJsonLine(line.text, row++));
    })(),
  );
}

interface CsvEvent {
  fields?: string[];
  error?: string;
  end: number;
}

/**
 * csv-parse over a byte range: each record, or unparseable record (bad quoting), in input order with the byte offset
 * just past it. Both are reported synchronously while a piece is written, so collecting them in the callbacks keeps
 * their order, and reading the next piece only when the consumer asks keeps memory at one piece.
 */
async function* csvRecords(path: string, range: [number, number] | undefined): AsyncGenerator<CsvEvent[]> {
  const start = range?.[0] ?? 0;
  let pending: CsvEvent[] = [];
  const parser: Parser = parse({
    relax_column_count: true,
    // A stray quote inside an unquoted field is kept as text, so one bad field cannot swallow the rows after it.
    relax_quotes: true,
    skip_records_with_error: true,
    skip_empty_lines: true,
    bom: true,
    on_record: (record: string[], context) => {
      pending.push({ fields: record, end: start + context.bytes });
      return null;
    },
  });
  parser.on('skip', (error: Error) => pending.push({ error: error.message, end: start + parser.info.bytes }));
  const ended = new Promise<void>((resolve, reject) => parser.on('end', resolve).on('error', reject));
  parser.resume();
  const source = createReadStream(path, range ? { start, end: range[1] - 1 } : {});
  for await (const piece of source as AsyncIterable<Buffer>) {
    parser.write(piece);
    const events = pending;
    pending = [];
    yield events;
  }
  parser.end();
  await ended;
  if (pending.length) yield pending;
}

/** The first record is the header; chunks start after it. */
export async function planCsv(path: string, chunkRows: number): Promise<TextPlan> {
  const cutter = new ChunkCutter(chunkRows);
  let columns: string[] | undefined;
  let end = 0;
  for await (const events of csvRecords(path, undefined)) {
    for (const event of events) {
      end = event.end;
      if (columns) {
        cutter.add(event.end, event.fields !== undefined);
      } else {
        if (!event.fields) throw new Error(`the header is not readable CSV: ${event.error}`);
        columns = event.fields;
        cutter.startAt(event.end);
      }
    }
  }
  if (!columns) throw new Error('the file has no header');
  return { columns, totalRows: cutter.rows, chunks: cutter.finish(end) };
}

export function readCsv(
  path: string,
  chunk: ChunkPlan,
  columns: readonly string[],
  inputs: readonly InputField[],
): RowBatches {
  const fields = columns.map((name) => inputs.find((i) => i.name === name));
  let row = chunk.firstRow;
  return batched(
    (async function* () {
      for await (const events of csvRecords(path, chunk.bytes))
        yield events.map((event) => csvRow(event, row++, columns, fields));
    })(),
  );
}

function csvRow(
  event: CsvEvent,
  row: number,
  columns: readonly string[],
  fields: readonly (InputField | undefined)[],
): InputRow {
  if (!event.fields) return { row, error: `not readable CSV: ${event.error}` };
  if (event.fields.length !== columns.length)
    return { row, error: `has ${event.fields.length} fields, the header has ${columns.length}` };
  const record: Record<string, unknown> = {};
  for (let i = 0; i < columns.length; i++) record[columns[i]] = typedCsvValue(fields[i], event.fields[i]);
  return { row, record };
}
