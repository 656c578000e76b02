// Scores a chunk's rows with a version's pipeline and ONNX session, in large batches; a row the spec rejects goes to
// the errors with its reason and the rest of its batch is still scored. The same code runs in batch-worker and in the
// bench's no-NATS baseline.
import { AviaryError, Tensor } from '@aviary/contracts';
import type { InputField, RecordPrediction, VersionPipeline } from '@aviary/features';
import { InputRow, RowBatches } from './rows';
import { errorLine, OutputWriter } from './writers';

/** What runs the model: a ModelSession in-process. */
export interface ModelRunner {
  run(inputs: readonly Tensor[]): Promise<Tensor[]>;
}

export interface ScoredBatch {
  scored: { row: number; record: Record<string, unknown>; prediction: RecordPrediction }[];
  failed: { row: number; reason: string }[];
}

// Spec errors name the row within the batch handed to it; the errors file names the input row instead.
const batchRow = / \(row \d+\)/;

/** Only the spec's inputs: files carry other columns (labels, ids) that online validation rejects as unknown. */
function projection(inputs: readonly InputField[]): (record: Record<string, unknown>) => Record<string, unknown> {
  const names = inputs.map((i) => i.name);
  return (record) => {
    const out: Record<string, unknown> = {};
    for (const name of names) if (Object.hasOwn(record, name)) out[name] = record[name];
    return out;
  };
}

export class BatchScorer {
  private readonly project: (record: Record<string, unknown>) => Record<string, unknown>;

  constructor(
    private readonly pipeline: VersionPipeline,
    private readonly model: ModelRunner,
    inputs: readonly InputField[],
  ) {
    this.project = projection(inputs);
  }

  async score(rows: readonly InputRow[]): Promise<ScoredBatch> {
    const failed: ScoredBatch['failed'] = [];
    let good: { row: number; record: Record<string, unknown> }[] = [];
    for (const row of rows) {
      if ('error' in row) failed.push({ row: row.row, reason: row.error });
      else good.push(row);
    }
    if (good.length === 0) return { scored: [], failed };
    let projected = good.map((r) => this.project(r.record));
    let tensors: Tensor[];
    try {
      tensors = this.pipeline.toTensors(projected);
    } catch (e) {
      if (!(e instanceof AviaryError) || e.code !== 'INVALID_ARGUMENT') throw e;
      // Some row is bad: find which, one row at a time, and score the others together.
      const keep: boolean[] = projected.map((record, i) => {
        try {
          this.pipeline.toTensors([record]);
          return true;
        } catch (rowError) {
          failed.push({ row: good[i].row, reason: (rowError as Error).message.replace(batchRow, '') });
          return false;
        }
      });
      good = good.filter((_, i) => keep[i]);
      projected = projected.filter((_, i) => keep[i]);
      failed.sort((a, b) => a.row - b.row);
      if (good.length === 0) return { scored: [], failed };
      tensors = this.pipeline.toTensors(projected);
    }
    const predictions = this.pipeline.toPredictions(await this.model.run(tensors));
    return { scored: good.map((r, i) => ({ ...r, prediction: predictions[i] })), failed };
  }
}

export interface ChunkOutput {
  /** Output lines (no header), in row order, a piece per batch (never joined: a chunk's output can be 40 MB). */
  output: Buffer[];
  /** Errors-file lines, in row order. */
  errors: Buffer[];
  rowsScored: number;
  rowsFailed: number;
}

/** Scores every batch of a chunk; `between` runs after each batch (heartbeats, cancellation checks). */
export async function scoreChunk(
  batches: RowBatches,
  scorer: BatchScorer,
  writer: OutputWriter,
  between: () => Promise<void> | void = () => undefined,
): Promise<ChunkOutput> {
  const output: Buffer[] = [];
  const errors: Buffer[] = [];
  let rowsScored = 0;
  let rowsFailed = 0;
  for await (const batch of batches) {
    const { scored, failed } = await scorer.score(batch);
    let lines = '';
    for (const s of scored) lines += writer.line(s.row, s.record, s.prediction);
    output.push(Buffer.from(lines));
    if (failed.length) errors.push(Buffer.from(failed.map((f) => errorLine(f.row, f.reason)).join('')));
    rowsScored += scored.length;
    rowsFailed += failed.length;
    await between();
  }
  return { output, errors, rowsScored, rowsFailed };
}
