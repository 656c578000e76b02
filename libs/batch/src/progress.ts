// A job's progress from its finished chunks: rows done of total, rate since submission, ETA; and the --watch bar.
import type { BatchJob, ChunkResult } from '@aviary/contracts';

export interface JobProgress {
  totalRows: number;
  rowsDone: number;
  rowsScored: number;
  rowsFailed: number;
  chunksDone: number;
  chunks: number;
  elapsedSeconds: number;
  rowsPerSecond: number;
  /** Undefined until a rate is known. */
  etaSeconds?: number;
}

export function jobProgress(job: BatchJob, results: readonly ChunkResult[], now = Date.now()): JobProgress {
  let rowsScored = 0;
  let rowsFailed = 0;
  for (const r of results) {
    rowsScored += r.rowsScored;
    rowsFailed += r.rowsFailed;
  }
  const rowsDone = rowsScored + rowsFailed;
  const end = job.finishedAt ? Date.parse(job.finishedAt) : now;
  const elapsedSeconds = Math.max(0, (end - Date.parse(job.submittedAt)) / 1000);
  const rowsPerSecond = elapsedSeconds > 0 ? rowsDone / elapsedSeconds : 0;
  const remaining = job.totalRows - rowsDone;
  return {
    totalRows: job.totalRows,
    rowsDone,
    rowsScored,
    rowsFailed,
    chunksDone: results.length,
    chunks: job.chunks,
    elapsedSeconds,
    rowsPerSecond,
    etaSeconds: rowsPerSecond > 0 ? remaining / rowsPerSecond : undefined,
  };
}

export function formatDuration(seconds: number): string {
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const rest = s % 60;
  return h ? `${h}h${String(m).padStart(2, '0')}m` : m ? `${m}m${String(rest).padStart(2, '0')}s` : `${rest}s`;
}

/** `[#####.....]  120000/200000 rows  60%  41000 rows/s  ETA 2s  errors 12` */
export function progressLine(p: JobProgress, width = 30): string {
  const fraction = p.totalRows ? Math.min(1, p.rowsDone / p.totalRows) : 1;
  const filled = Math.round(fraction * width);
  const eta = p.etaSeconds === undefined ? 'ETA --' : `ETA ${formatDuration(p.etaSeconds)}`;
  return [
    `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}]`,
    `${p.rowsDone}/${p.totalRows} rows`,
    `${Math.floor(fraction * 100)}%`,
    `${Math.round(p.rowsPerSecond)} rows/s`,
    eta,
    `errors ${p.rowsFailed}`,
  ].join('  ');
}
