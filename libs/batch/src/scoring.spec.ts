import { versionPipeline } from '@aviary/features';
import { ModelSession } from '@aviary/inference-engine';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { asColumns, ColumnBatch, InputRow } from './rows';
import { BatchScorer, scoreChunk } from './scoring';
import { FLIGHT_DELAY_DIR, flightDelayScorer } from './testing/flight-delay';
import { outputWriter } from './writers';

const flight = (distance: unknown) => ({
  date: '2001/01/14 17:05',
  distance,
  origin: 'SEA',
  destination: 'SFO',
  delay: 3,
});
const NEEDED = ['date', 'distance', 'origin', 'destination', 'delay'];

async function columns(rows: InputRow[]): Promise<ColumnBatch> {
  for await (const batch of asColumns([rows] as unknown as AsyncIterable<InputRow[]>, NEEDED)) return batch;
  throw new Error('no batch');
}

describe('batch scoring', () => {
  let scorer: BatchScorer;
  let spec: Awaited<ReturnType<typeof flightDelayScorer>>['spec'];
  beforeAll(async () => ({ scorer, spec } = await flightDelayScorer()));

  it('scores good rows around bad ones and names each bad row with its reason', async () => {
    const batch = await columns([
      { row: 1, record: flight(1009) },
      { row: 2, record: flight('far') },
      { row: 3, error: 'not valid JSON' },
      { row: 4, record: flight(300) },
    ]);
    const { scored, failed, predictions } = await scorer.score(batch);
    expect(Array.from(scored, (i) => batch.rows[i])).toEqual([1, 4]);
    expect(predictions).toMatchObject({ task: 'binary', labels: expect.any(Int32Array) });
    expect(failed).toEqual([
      { row: 2, reason: 'input "distance" must be a number, got "far"' },
      { row: 3, reason: 'not valid JSON' },
    ]);
  });

  it('gives each row the prediction the online path gives it (feature spec, ONNX Runtime, predictions)', async () => {
    const records = [1, 2, 3, 4].map((i) => flight(i * 400 + 7));
    const batch = await columns(records.map((record, i) => ({ row: i + 1, record })));
    const output: Buffer[] = [];
    const chunk = await scoreChunk(
      (async function* () {
        yield batch;
      })(),
      scorer,
      outputWriter('jsonl', [], spec.prediction),
      (piece) => void output.push(piece),
    );
    expect(chunk).toMatchObject({ rowsScored: 4, rowsFailed: 0, errors: [] });
    const featureSpec: unknown = JSON.parse(readFileSync(join(FLIGHT_DELAY_DIR, 'feature-spec.json'), 'utf8'));
    const session = await ModelSession.load(readFileSync(join(FLIGHT_DELAY_DIR, 'model.onnx')));
    try {
      const online = versionPipeline({ inputs: session.inputs, featureSpec });
      const projected = records.map(({ delay: _delay, ...r }) => r);
      const predictions = online.toPredictions(await session.run(online.toTensors(projected)));
      expect(Buffer.concat(output).toString()).toBe(
        predictions.map((prediction, i) => `${JSON.stringify({ row: i + 1, prediction })}\n`).join(''),
      );
    } finally {
      await session.release();
    }
  });

  it('writes a chunk as output and errors lines with their counts', async () => {
    async function* batches() {
      yield await columns([
        { row: 1, record: flight(1009) },
        { row: 2, record: flight(null) },
      ]);
    }
    const output: Buffer[] = [];
    const chunk = await scoreChunk(
      batches(),
      scorer,
      outputWriter('jsonl', ['delay'], spec.prediction),
      (piece) => void output.push(piece),
    );
    expect(chunk).toMatchObject({ rowsScored: 1, rowsFailed: 1 });
    expect(JSON.parse(Buffer.concat(output).toString())).toMatchObject({ row: 1, delay: 3 });
    expect(JSON.parse(Buffer.concat(chunk.errors).toString())).toEqual({
      row: 2,
      reason: 'input "distance" is required, got null',
    });
  });
});
