// `node dist/bench/src/batch.js`: scores flights-3m (3,000,000 rows, Parquet) as a batch job with 1 and 2
// batch-worker replicas on a real nats-server, and in the same run the one-process baseline (same code, no NATS),
// alone and two copies at once (what two processes get from this machine's two cores).
// Prints rows/s and peak RSS per worker, median and range over the rounds, and checks the targets.
// Usage: node dist/bench/src/batch.js [--rounds N] [--workers 1,2] [--file PATH] [--cpu-prof DIR] [--json]
import { BatchStore, submitJob } from '@aviary/batch';
import { connectNats } from '@aviary/messaging';
import { ModelRegistry } from '@aviary/model-registry';
import { startStack, waitFor, workspaceRoot } from '@aviary/testing';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { parseArgs, promisify } from 'node:util';
import { peakRssKiB } from './batch-usage';
import { cpuProfileEnv } from './cpu-profile-preload';
import { spread, Spread } from './rounds';

const MODEL = 'flight-delay';
const VERSION = '2';
const execFileAsync = promisify(execFile);
const PAIR = 'baseline, 2 processes at once';
const TARGETS = { twoWorkerRowsPerSecond: 200_000, workerShareOfBaseline: 0.7, workerPeakRssMiB: 400 };

interface Run {
  rowsPerSecond: number;
  /** Peak RSS of each worker, MiB. */
  workerRssMiB: number[];
  /** The job's chunks (not for the baseline). */
  chunks?: number;
}

async function runJob(file: string, workers: number, cpuProfDir?: string): Promise<Run> {
  const stack = await startStack({
    services: ['batch-worker'],
    replicas: { 'batch-worker': workers },
    env: cpuProfDir ? cpuProfileEnv(cpuProfDir) : {},
  });
  try {
    const nc = await connectNats(stack.natsUrl, 'batch-bench');
    try {
      const store = await BatchStore.open(nc);
      const job = await submitJob(store, await ModelRegistry.open(nc), {
        path: file,
        model: MODEL,
        version: VERSION,
        outputFormat: 'jsonl',
        keep: [],
      });
      let finished = job;
      await waitFor(
        'the batch job to finish',
        async () => {
          finished = (await store.getJob(job.id)).job;
          return finished.state !== 'running';
        },
        30 * 60_000,
      );
      if (finished.state !== 'completed') throw new Error(`job ${job.id} ${finished.state}: ${finished.reason}`);
      const seconds = (Date.parse(finished.finishedAt as string) - Date.parse(job.submittedAt)) / 1000;
      const workerRssMiB = stack.processes.map((p) => (peakRssKiB(p.child.pid as number) ?? 0) / 1024);
      return { rowsPerSecond: job.totalRows / seconds, workerRssMiB, chunks: job.chunks };
    } finally {
      await nc.drain();
    }
  } finally {
    await stack.stop();
  }
}

/** The one-process baseline, `copies` of it at once (rows/s per copy): with two, what this machine allows each of two. */
async function runBaseline(file: string, copies: number): Promise<Run> {
  const modelDir = join(workspaceRoot(), 'models', MODEL, VERSION);
  const script = join(__dirname, 'batch-baseline.js');
  const results = await Promise.all(
    Array.from({ length: copies }, async () => {
      const { stdout } = await execFileAsync(process.execPath, [script, file, modelDir], { encoding: 'utf8' });
      return JSON.parse(stdout) as { rows: number; seconds: number; peakRssKiB: number };
    }),
  );
  const rates = results.map((r) => r.rows / r.seconds);
  return {
    rowsPerSecond: rates.reduce((a, b) => a + b, 0) / copies,
    workerRssMiB: results.map((r) => r.peakRssKiB / 1024),
  };
}

const fmt = (s: Spread | undefined, digits = 0) =>
  s ? `${s.median.toFixed(digits)} (${s.min.toFixed(digits)}–${s.max.toFixed(digits)})` : 'n/a';

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      rounds: { type: 'string', default: '3' },
      workers: { type: 'string', default: '1,2' },
      file: { type: 'string', default: join(workspaceRoot(), 'node_modules/vega-datasets/data/flights-3m.parquet') },
      json: { type: 'boolean', default: false },
      'cpu-prof': { type: 'string' },
    },
  });
  const rounds = Number(values.rounds);
  const counts = values.workers.split(',').map(Number);
  if (!(Number.isInteger(rounds) && rounds > 0) || counts.some((c) => !(Number.isInteger(c) && c > 0)))
    throw new Error('--rounds and --workers must be positive integers');
  const results = new Map<string, Run[]>();
  const add = (name: string, run: Run) => results.set(name, [...(results.get(name) ?? []), run]);
  for (let r = 0; r < rounds; r++) {
    // Back to back within a round, so a busy machine weighs on every configuration alike.
    add('baseline (1 process, no NATS)', await runBaseline(values.file, 1));
    if (counts.includes(2)) add(PAIR, await runBaseline(values.file, 2));
    for (const workers of counts)
      add(`${workers} worker${workers > 1 ? 's' : ''}`, await runJob(values.file, workers, values['cpu-prof']));
    console.error(`round ${r + 1}/${rounds} done`);
  }
  const summary = [...results].map(([name, runs]) => ({
    name,
    rowsPerSecond: spread(runs.map((x) => x.rowsPerSecond)),
    peakRssMiB: spread(runs.flatMap((x) => x.workerRssMiB)),
  }));
  if (values.json) return void console.log(JSON.stringify(summary, null, 2));

  console.log(`batch scoring of ${values.file}, ${rounds} round(s): median (min–max)`);
  for (const s of summary)
    console.log(
      `  ${s.name.padEnd(30)} ${fmt(s.rowsPerSecond).padEnd(28)} rows/s   peak RSS per process ${fmt(s.peakRssMiB)} MiB`,
    );
  const baseline = summary[0].rowsPerSecond?.median ?? 0;
  const one = summary.find((s) => s.name === '1 worker')?.rowsPerSecond?.median;
  const two = summary.find((s) => s.name === '2 workers');
  const chunks = results.get('2 workers')?.[0].chunks ?? 0;
  if (two?.rowsPerSecond) {
    const rate = two.rowsPerSecond.median;
    const share = rate / 2 / baseline;
    const rss = two.peakRssMiB?.max ?? 0;
    console.log('targets (medians; RSS at its max):');
    console.log(
      `  2 workers >= ${TARGETS.twoWorkerRowsPerSecond} rows/s: ${rate.toFixed(0)} ${rate >= TARGETS.twoWorkerRowsPerSecond ? 'met' : 'MISSED'}`,
    );
    console.log(
      `  each worker >= 70 % of the baseline: ${(share * 100).toFixed(0)} % ${share >= TARGETS.workerShareOfBaseline ? 'met' : 'MISSED'}`,
    );
    // Two processes on two cores do not each run at one's speed (shared caches, memory bandwidth, the host): this
    // is how much of a second process this machine allows, with no NATS at all.
    const pair = summary.find((s) => s.name === PAIR)?.rowsPerSecond?.median ?? 0;
    // A chunk is one worker's: with chunks not a multiple of the workers, the busiest does ceil(chunks / 2) of them.
    const balance = chunks / 2 / Math.ceil(chunks / 2);
    console.log(
      `  (this machine's ceiling: 2 baselines at once run at ${((pair / baseline) * 100).toFixed(0)} % each; ` +
        `${chunks} chunks over 2 workers leave ${(balance * 100).toFixed(0)} % of that to each, ` +
        `${((pair / baseline) * balance * 100).toFixed(0)} % of the baseline; ` +
        `each worker is at ${((rate / 2 / pair / balance) * 100).toFixed(0)} % of that)`,
    );
    if (one)
      console.log(
        `  1 worker >= 70 % of the baseline: ${((one / baseline) * 100).toFixed(0)} % ${one / baseline >= TARGETS.workerShareOfBaseline ? 'met' : 'MISSED'}`,
      );
    console.log(
      `  worker RSS <= ${TARGETS.workerPeakRssMiB} MiB: ${rss.toFixed(0)} ${rss <= TARGETS.workerPeakRssMiB ? 'met' : 'MISSED'}`,
    );
  }
}

main().catch((e: Error) => {
  console.error(`batch bench failed: ${e.message}`);
  process.exit(1);
});
