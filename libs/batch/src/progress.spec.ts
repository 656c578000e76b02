import type { BatchJob } from '@aviary/contracts';
import { jobProgress, progressLine } from './progress';

const job = {
  id: 'j',
  model: 'm',
  version: '1',
  state: 'running',
  input: { object: 'o', format: 'jsonl', columns: [] },
  output: { format: 'jsonl', keep: [] },
  totalRows: 1000,
  chunks: 4,
  submittedAt: '2026-01-01T00:00:00.000Z',
} satisfies BatchJob;
const chunk = (index: number, rowsScored: number, rowsFailed: number) => ({
  index,
  rowsScored,
  rowsFailed,
  worker: 'w',
  finishedAt: '2026-01-01T00:00:01.000Z',
});

describe('job progress', () => {
  it('counts finished chunks and estimates the rest from the rate since submission', () => {
    const p = jobProgress(job, [chunk(0, 240, 10), chunk(2, 250, 0)], Date.parse('2026-01-01T00:00:05.000Z'));
    expect(p).toMatchObject({ rowsDone: 500, rowsScored: 490, rowsFailed: 10, chunksDone: 2, rowsPerSecond: 100 });
    expect(p.etaSeconds).toBe(5);
    expect(progressLine(p, 10)).toBe('[#####.....]  500/1000 rows  50%  100 rows/s  ETA 5s  errors 10');
  });

  it('has no ETA before any row is done', () => {
    expect(jobProgress(job, [], Date.parse(job.submittedAt)).etaSeconds).toBeUndefined();
  });
});
