import { join } from 'node:path';
import { planParquet, readParquet } from './parquet-reader';

const FLIGHTS_3M = join(__dirname, '../../../node_modules/vega-datasets/data/flights-3m.parquet');

describe('Parquet', () => {
  it('plans one chunk per row group of flights-3m', async () => {
    const plan = await planParquet(FLIGHTS_3M);
    expect(plan.columns).toEqual(['date', 'delay', 'distance', 'origin', 'destination']);
    expect(plan.totalRows).toBe(3_000_000);
    expect(plan.chunks).toHaveLength(11);
    expect(plan.chunks[1]).toEqual({ index: 1, firstRow: 272_728, rows: 272_727, rowGroup: 1 });
  });

  it('reads a row group as records the spec accepts: INT64 as numbers, timestamps as ISO text', async () => {
    const plan = await planParquet(FLIGHTS_3M);
    const batches = readParquet(FLIGHTS_3M, plan.chunks[10], ['date', 'distance', 'origin']);
    let count = 0;
    let first: unknown;
    for await (const batch of batches) {
      first ??= batch[0];
      count += batch.length;
    }
    expect(count).toBe(272_730);
    expect(first).toEqual({
      row: 2_727_271,
      record: {
        date: expect.stringMatching(/^2001-\d\d-\d\dT\d\d:\d\d:00\.000Z$/),
        distance: expect.any(Number),
        origin: expect.any(String),
      },
    });
  });
});
