import { BatchScorer, scoreChunk } from './scoring';
import { InputRow } from './rows';
import { flightDelayScorer } from './testing/flight-delay';
import { outputWriter } from './writers';

const flight = (distance: unknown) => ({
  date: '2001/01/14 17:05',
  distance,
  origin: 'SEA',
  destination: 'SFO',
  delay: 3,
});

describe('batch scoring', () => {
  let scorer: BatchScorer;
  let spec: Awaited<ReturnType<typeof flightDelayScorer>>['spec'];
  beforeAll(async () => ({ scorer, spec } = await flightDelayScorer()));

  it('scores good rows around bad ones and names each bad row with its reason', async () => {
    const rows: InputRow[] = [
      { row: 1, record: flight(1009) },
      { row: 2, record: flight('far') },
      { row: 3, error: 'not valid JSON' },
      { row: 4, record: flight(300) },
    ];
    const { scored, failed } = await scorer.score(rows);
    expect(scored.map((s) => s.row)).toEqual([1, 4]);
    expect(scored[0].prediction).toMatchObject({ label: expect.any(String), probability: expect.any(Number) });
    expect(failed).toEqual([
      { row: 2, reason: 'input "distance" must be a number, got "far"' },
      { row: 3, reason: 'not valid JSON' },
    ]);
  });

  it('gives each row the prediction it gets alone', async () => {
    const together = await scorer.score([1, 2, 3].map((i) => ({ row: i, record: flight(i * 400) })));
    const alone = await scorer.score([{ row: 2, record: flight(800) }]);
    expect(together.scored[1].prediction).toEqual(alone.scored[0].prediction);
  });

  it('writes a chunk as output and errors lines with their counts', async () => {
    async function* batches() {
      yield [
        { row: 1, record: flight(1009) },
        { row: 2, record: flight(null) },
      ] as InputRow[];
    }
    const chunk = await scoreChunk(batches(), scorer, outputWriter('jsonl', ['delay'], spec.prediction));
    expect(chunk).toMatchObject({ rowsScored: 1, rowsFailed: 1 });
    expect(JSON.parse(Buffer.concat(chunk.output).toString())).toMatchObject({ row: 1, delay: 3 });
    expect(JSON.parse(Buffer.concat(chunk.errors).toString())).toEqual({
      row: 2,
      reason: 'input "distance" is required, got null',
    });
  });
});
