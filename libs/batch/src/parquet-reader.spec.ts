import { join } from 'node:path';
import { planParquet, readParquet } from './parquet-reader';

const FLIGHTS_3M = join(__dirname, '../../../node_modules/vega-datasets/data/flights-3m.parquet');

describe('Parquet', () => {
  it('plans one chunk per row group of flights-3m', async () => {
    const plan = await planParquet(FLIGHTS_3M, Infinity);
    expect(plan.columns).toEqual(['date', 'delay', 'distance', 'origin', 'destination']);
    expect(plan.totalRows).toBe(3_000_000);
    expect(plan.chunks).toHaveLength(11);
    expect(plan.chunks[1]).toEqual({ index: 1, firstRow: 272_728, rows: 272_727, rowGroup: 1 });
  });

  it('cuts row groups into near-equal row ranges when asked for fewer rows per chunk', async () => {
    const plan = await planParquet(FLIGHTS_3M, 100_000);
    expect(plan.chunks).toHaveLength(33);
    expect(plan.chunks.slice(0, 4)).toEqual([
      { index: 0, firstRow: 1, rows: 90_909, rowGroup: 0 },
      { index: 1, firstRow: 90_910, rows: 90_909, rowGroup: 0 },
      { index: 2, firstRow: 181_819, rows: 90_909, rowGroup: 0 },
      { index: 3, firstRow: 272_728, rows: 90_909, rowGroup: 1 },
    ]);
    expect(plan.chunks.reduce((n, c) => n + c.rows, 0)).toBe(3_000_000);
  });

  it('reads a row range as columns the spec accepts: INT64 as numbers, timestamps as ISO text', async () => {
    const plan = await planParquet(FLIGHTS_3M, 100_000);
    const chunk = plan.chunks[32];
    let count = 0;
    let first: { row: number; date: unknown; distance: unknown; origin: unknown } | undefined;
    for await (const batch of readParquet(FLIGHTS_3M, chunk, ['date', 'distance', 'origin'])) {
      first ??= {
        row: batch.rows[0],
        date: batch.columns.get('date')?.[0],
        distance: batch.columns.get('distance')?.[0],
        origin: batch.columns.get('origin')?.[0],
      };
      expect(batch.rows.length).toBeLessThanOrEqual(8192);
      count += batch.rows.length;
    }
    expect(count).toBe(chunk.rows);
    expect(first).toEqual({
      row: chunk.firstRow,
      date: expect.stringMatching(/^2001-\d\d-\d\dT\d\d:\d\d:00\.000Z$/),
      distance: expect.any(Number),
      origin: expect.any(String),
    });
  });
});
