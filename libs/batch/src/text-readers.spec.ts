import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { InputField } from '@aviary/features';
import { planCsv, planJsonLines, readCsv, readJsonLines } from './text-readers';
import { InputRow, RowBatches } from './rows';

const dir = mkdtempSync(join(tmpdir(), 'batch-readers-'));
const file = (name: string, text: string) => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};
const all = async (batches: RowBatches) => {
  const rows: InputRow[] = [];
  for await (const batch of batches) rows.push(...batch);
  return rows;
};
const inputs: InputField[] = [
  { name: 'distance', type: 'number', required: true },
  { name: 'origin', type: 'string', required: true },
];

describe('JSON Lines', () => {
  const lines = Array.from({ length: 10 }, (_, i) => JSON.stringify({ distance: i, origin: 'SEA' }));
  lines[4] = '{not json';
  const path = file('rows.jsonl', `${lines.join('\n')}\n\n`);

  it('plans chunks of the asked size that together hold every row once, in order', async () => {
    const plan = await planJsonLines(path, 3);
    expect(plan.columns).toEqual(['distance', 'origin']);
    expect(plan.totalRows).toBe(10);
    expect(plan.chunks.map((c) => [c.firstRow, c.rows])).toEqual([
      [1, 3],
      [4, 3],
      [7, 3],
      [10, 1],
    ]);
    const rows = (await Promise.all(plan.chunks.map((c) => all(readJsonLines(path, c))))).flat();
    expect(rows.map((r) => r.row)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(rows[4]).toEqual({ row: 5, error: 'not valid JSON' });
    expect(rows[9]).toEqual({ row: 10, record: { distance: 9, origin: 'SEA' } });
  });

  it('rejects a file with no rows', async () => {
    await expect(planJsonLines(file('empty.jsonl', '\n'), 3)).rejects.toThrow('the file has no rows');
  });
});

describe('CSV', () => {
  const path = file(
    'rows.csv',
    'distance,origin,extra\n1,SEA,x\n2,"S,F",y\n3,PDX\n"4"bad,LAX,z\nabc,ORD,w\n6,"multi\nline",v\n',
  );

  it('reads typed values by the spec, and reports a row with the wrong field count as a row error', async () => {
    const plan = await planCsv(path, 2);
    expect(plan.columns).toEqual(['distance', 'origin', 'extra']);
    expect(plan.totalRows).toBe(6);
    const rows = (await Promise.all(plan.chunks.map((c) => all(readCsv(path, c, plan.columns, inputs))))).flat();
    expect(rows.map((r) => r.row)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(rows[0]).toEqual({ row: 1, record: { distance: 1, origin: 'SEA', extra: 'x' } });
    expect(rows[1]).toEqual({ row: 2, record: { distance: 2, origin: 'S,F', extra: 'y' } });
    expect(rows[2]).toEqual({ row: 3, error: 'has 2 fields, the header has 3' });
    expect(rows[3]).toEqual({ row: 4, record: { distance: '"4"bad', origin: 'LAX', extra: 'z' } });
    expect(rows[4]).toEqual({ row: 5, record: { distance: 'abc', origin: 'ORD', extra: 'w' } });
    expect(rows[5]).toEqual({ row: 6, record: { distance: 6, origin: 'multi\nline', extra: 'v' } });
  });
});
