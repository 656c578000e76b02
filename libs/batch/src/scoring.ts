// Scores a chunk's column batches with a version's compiled feature spec and ONNX session, in large batches; a row
// the spec rejects goes to the errors with its reason and the rest of its batch is still scored. The same code runs in
// batch-worker and in the bench's no-NATS baseline.
import { Tensor } from '@aviary/contracts';
import { CompiledFeatureSpec, PredictionColumns, predictionColumns } from '@aviary/features';
import { ColumnBatch, ColumnBatches } from './rows';
import { errorLine, OutputWriter } from './writers';

/** What runs the model: a ModelSession in-process. */
export interface ModelRunner {
  run(inputs: readonly Tensor[]): Promise<Tensor[]>;
}

export interface ScoredBatch {
  /** Index in the batch of each scored row, in order; prediction i belongs to row `scored[i]`. */
  scored: Int32Array;
  /** Absent when no row of the batch was scored. */
  predictions?: PredictionColumns;
  /** Rows not scored (unreadable or rejected by the spec), by row number, in row order. */
  failed: { row: number; reason: string }[];
}

// Spec errors name the row within the batch handed to it; the errors file names the input row instead.
const batchRow = / \(row \d+\)/;

export class BatchScorer {
  constructor(
    private readonly features: CompiledFeatureSpec,
    private readonly model: ModelRunner,
  ) {}

  async score(batch: ColumnBatch): Promise<ScoredBatch> {
    const { tensors, encoded, rejected } = this.features.encodeColumns({
      rows: batch.rows.length,
      columns: batch.columns,
    });
    const failed = [
      ...batch.unreadable,
      ...rejected.map((r) => ({ row: batch.rows[r.index], reason: r.reason.replace(batchRow, '') })),
    ];
    if (batch.unreadable.length && rejected.length) failed.sort((a, b) => a.row - b.row);
    if (encoded.length === 0) return { scored: encoded, failed };
    const predictions = predictionColumns(this.features.spec, await this.model.run(tensors));
    return { scored: encoded, predictions, failed };
  }
}

/** Where a chunk's output lines go, a piece per batch, in row order: awaited, so a slow store holds scoring back. */
export type OutputSink = (piece: Buffer) => Promise<void> | void;

export interface ChunkOutput {
  /** Errors-file lines, in row order (few: kept until the chunk is done). */
  errors: Buffer[];
  rowsScored: number;
  rowsFailed: number;
}

/**
 * Scores every batch of a chunk, handing each batch's output lines to `sink` as soon as they are written (never
 * holding a chunk's output, which can be 40 MB).
 */
export async function scoreChunk(
  batches: ColumnBatches,
  scorer: BatchScorer,
  writer: OutputWriter,
  sink: OutputSink,
): Promise<ChunkOutput> {
  const errors: Buffer[] = [];
  let rowsScored = 0;
  let rowsFailed = 0;
  for await (const batch of batches) {
    const scored = await scorer.score(batch);
    if (scored.predictions) await sink(Buffer.from(writer.lines(batch, scored.scored, scored.predictions)));
    if (scored.failed.length) errors.push(Buffer.from(scored.failed.map((f) => errorLine(f.row, f.reason)).join('')));
    rowsScored += scored.scored.length;
    rowsFailed += scored.failed.length;
  }
  return { errors, rowsScored, rowsFailed };
}
