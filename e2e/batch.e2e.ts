// Batch scoring end to end: real nats-server (file storage), batch-worker replicas as processes, the CLI as a user
// runs it. Every row must come out exactly once (output or errors), whatever is killed or restarted on the way.
import { BatchSchedules, BatchStore, ChunkSource, planInput, readChunk } from '@aviary/batch';
import { BatchJob } from '@aviary/contracts';
import { versionPipeline } from '@aviary/features';
import { ModelSession } from '@aviary/inference-engine';
import { connectNats } from '@aviary/messaging';
import { NatsServer, Stack, startNatsServer, startStack, waitFor, workspaceRoot } from '@aviary/testing';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NatsConnection } from 'nats';

const ROWS = 200_000;
const FLIGHTS_3M = join(workspaceRoot(), 'node_modules/vega-datasets/data/flights-3m.parquet');
const VERSION_DIR = join(workspaceRoot(), 'models/flight-delay/2');

/** The first `rows` flights of flights-3m as JSON Lines (date as the ISO text the Parquet reader gives). */
async function writeFlights(path: string, rows: number): Promise<void> {
  const plan = await planInput(FLIGHTS_3M, 'parquet');
  const lines: string[] = [];
  const columns = ['date', 'delay', 'distance', 'origin', 'destination'];
  const source: ChunkSource = { path: FLIGHTS_3M, format: 'parquet', columns, needed: columns, inputs: [] };
  for await (const batch of readChunk(source, { ...plan.chunks[0], rows }))
    for (let i = 0; i < batch.rows.length; i++)
      lines.push(JSON.stringify(Object.fromEntries(columns.map((name) => [name, batch.columns.get(name)?.[i]]))));
  writeFileSync(path, `${lines.join('\n')}\n`);
}

type Flight = Record<string, unknown>;
/** Four ways a CSV row goes wrong, in turn: a bad number, a missing field, a bad date, an empty required field. */
const MALFORMED: { name: string; line: (r: Flight) => string }[] = [
  { name: 'distance', line: (r) => `${r.date},${r.delay},far,${r.origin},${r.destination}` },
  { name: 'fields', line: (r) => `${r.date},${r.delay},${r.distance},${r.origin}` },
  { name: 'date', line: (r) => `yesterday,${r.delay},${r.distance},${r.origin},${r.destination}` },
  { name: 'origin', line: (r) => `${r.date},${r.delay},${r.distance},,${r.destination}` },
];

const readJsonLines = (path: string) =>
  readFileSync(path, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line));

/** Every row number from 1 to `total` exactly once across output and errors. */
function expectEveryRowOnce(total: number, ...files: { row: number }[][]) {
  const rows = files.flat().map((r) => r.row);
  expect(rows.length).toBe(total);
  expect(new Set(rows).size).toBe(total);
  expect(rows.every((row) => Number.isInteger(row) && row >= 1 && row <= total)).toBe(true);
}

describe('batch jobs', () => {
  const dir = mkdtempSync(join(tmpdir(), 'aviary-batch-e2e-'));
  const storeDir = join(dir, 'nats');
  const flights = join(dir, 'flights-200k.jsonl');
  let nats: NatsServer;
  let stack: Stack;
  let nc: NatsConnection;
  let store: BatchStore;
  let session: ModelSession;

  beforeAll(async () => {
    nats = await startNatsServer({ storeDir });
    [stack, session] = await Promise.all([
      startStack({
        natsUrl: nats.url,
        services: ['batch-worker'],
        replicas: { 'batch-worker': 2 },
        env: { AVIARY_BATCH_ACK_WAIT_MS: '3000' },
      }),
      ModelSession.load(readFileSync(join(VERSION_DIR, 'model.onnx'))),
      writeFlights(flights, ROWS),
    ]);
    nc = await connectNats(nats.url, 'batch-e2e');
    store = await BatchStore.open(nc);
  }, 120_000);

  afterAll(async () => {
    await nc?.drain().catch(() => undefined);
    await stack?.stop();
    await nats?.stop();
    await session?.release();
    rmSync(dir, { recursive: true, force: true });
  });

  const submit = (file: string, ...args: string[]) => {
    const result = stack.cli(['batch', 'submit', file, '--model', 'flight-delay', ...args]);
    const id = /^job (\S+):/m.exec(result.stdout)?.[1];
    return { ...result, id };
  };

  const waitForState = async (id: string, state: BatchJob['state'], timeoutMs = 90_000) => {
    let job: BatchJob | undefined;
    await waitFor(
      `job ${id} to be ${state}`,
      async () => {
        job = (await store.findJob(id).catch(() => undefined))?.job;
        return job?.state === state;
      },
      timeoutMs,
    );
    return job as BatchJob;
  };

  const waitForChunks = (id: string, count: number) =>
    waitFor(`job ${id} to finish ${count} chunks`, async () => (await store.chunkResults(id)).length >= count, 60_000);

  it('scores 200,000 rows on two workers, each row as in-process scoring scores it, in input order', async () => {
    const out = join(dir, 'out.jsonl');
    const result = submit(flights, '--keep', 'origin,delay', '--chunk-rows', '20000', '--watch', '--out', out);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/200000\/200000 rows {2}100%/);
    expect(result.stdout).toMatch(/completed in .*: 200000 rows scored, 0 rows in the errors file/);

    const output = readJsonLines(out);
    expect(output.map((r) => r.row)).toEqual(Array.from({ length: ROWS }, (_, i) => i + 1));
    // The expected rows come from the online path (records, versionPipeline, ONNX Runtime, prediction objects), not
    // from the batch code under test.
    const online = versionPipeline({
      inputs: session.inputs,
      featureSpec: JSON.parse(readFileSync(join(VERSION_DIR, 'feature-spec.json'), 'utf8')),
    });
    const records = readJsonLines(flights) as Flight[];
    // One assertion over all rows: an expect per row would take most of the test's time.
    const mismatches: unknown[] = [];
    let i = 0;
    for (let from = 0; from < records.length; from += 8192) {
      const batch = records.slice(from, from + 8192);
      const inputs = batch.map(({ date, distance, origin, destination }) => ({ date, distance, origin, destination }));
      const predictions = online.toPredictions(await session.run(online.toTensors(inputs)));
      batch.forEach((record, b) => {
        const got = output[i++];
        const want = { row: from + b + 1, origin: record.origin, delay: record.delay, prediction: predictions[b] };
        if (JSON.stringify(got) !== JSON.stringify(want) && mismatches.length < 5) mismatches.push({ got, want });
      });
    }
    expect(mismatches).toEqual([]);
    expect(i).toBe(ROWS);
    expect(readFileSync(`${out}.errors.jsonl`, 'utf8')).toBe('');

    const job = (await store.getJob(result.id as string)).job;
    expect(job).toMatchObject({ state: 'completed', version: '2', rowsScored: ROWS, rowsFailed: 0 });
    const workers = new Set((await store.chunkResults(job.id)).map((r) => r.worker));
    expect(workers.size).toBe(2);
  }, 120_000);

  it('puts exactly the malformed rows of a CSV with 1 % of them in the errors file, with their reasons', async () => {
    const lines = readFileSync(flights, 'utf8')
      .split('\n')
      .slice(0, 20_000)
      .map((l) => JSON.parse(l));
    const bad = new Map<number, string>();
    const csv = ['date,delay,distance,origin,destination'];
    lines.forEach((r, i) => {
      const row = i + 1;
      if (row % 100 === 37) {
        const kind = MALFORMED[Math.floor(row / 100) % MALFORMED.length];
        csv.push(kind.line(r));
        bad.set(row, kind.name);
      } else {
        csv.push(`${r.date},${r.delay},${r.distance},${r.origin},${r.destination}`);
      }
    });
    const file = join(dir, 'malformed.csv');
    writeFileSync(file, `${csv.join('\n')}\n`);
    const out = join(dir, 'malformed-out.csv');
    const result = submit(file, '--format', 'csv', '--keep', 'origin', '--chunk-rows', '3000', '--watch', '--out', out);
    expect(result.stderr).toBe('');
    expect(result.stdout).toMatch(/19800 rows scored, 200 rows in the errors file/);

    const errors = readJsonLines(`${out}.errors.jsonl`);
    expect(errors.map((e) => e.row)).toEqual([...bad.keys()]);
    const reasons = {
      distance: /"distance" must be a number/,
      fields: /has 4 fields/,
      date: /"date" must be a datetime/,
      origin: /"origin"/,
    };
    for (const e of errors) expect(e.reason).toMatch(reasons[bad.get(e.row) as keyof typeof reasons]);
    const output = readFileSync(out, 'utf8').trim().split('\n');
    expect(output[0]).toBe('row,origin,label,probability');
    const scoredRows = output.slice(1).map((l) => ({ row: Number(l.split(',')[0]) }));
    expect(scoredRows.some((r) => bad.has(r.row))).toBe(false);
    expectEveryRowOnce(20_000, scoredRows, errors);
  });

  it.each([
    ['an unknown model', 'flights', ['--model', 'no-such-model'], /model "no-such-model" has no serving version/],
    ['an unknown version', 'flights', ['--version', '99'], /model "flight-delay" has no version "99"/],
    ['a file without a column the spec needs', 'no-distance', [], /lacks column\(s\) the model needs: distance/],
    ['an unreadable Parquet file', 'flights', ['--input-format', 'parquet'], /not readable as parquet/],
  ])('rejects %s before the job starts, and writes nothing', async (_what, input, args, message) => {
    const noDistance = join(dir, 'no-distance.jsonl');
    writeFileSync(noDistance, `${JSON.stringify({ date: '2001/01/14 17:05', origin: 'SEA', destination: 'SFO' })}\n`);
    const before = { jobs: (await store.listJobs()).length, objects: (await store.objects.list()).length };
    const result = stack.cli([
      'batch',
      'submit',
      input === 'flights' ? flights : noDistance,
      '--model',
      'flight-delay',
      ...args,
    ]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(message);
    expect({ jobs: (await store.listJobs()).length, objects: (await store.objects.list()).length }).toEqual(before);
  });

  it('completes with every row exactly once when a worker is killed mid-job', async () => {
    const { id } = submit(flights, '--chunk-rows', '10000');
    await waitForChunks(id as string, 2);
    const victim = stack.processes.find((p) => p.service === 'batch-worker' && p.child.exitCode === null);
    await victim?.kill();
    await stack.startService('batch-worker');
    const job = await waitForState(id as string, 'completed');
    expect(job).toMatchObject({ rowsScored: ROWS, rowsFailed: 0 });
    const out = join(dir, 'killed.jsonl');
    expect(stack.cli(['batch', 'download', id as string, '--out', out]).code).toBe(0);
    expectEveryRowOnce(ROWS, readJsonLines(out));
  });

  it('completes with every row exactly once when nats-server restarts mid-job', async () => {
    const { id } = submit(flights, '--chunk-rows', '10000');
    await waitForChunks(id as string, 2);
    const port = nats.port;
    await nats.process.stop();
    await new Promise((resolve) => setTimeout(resolve, 1000));
    nats = await startNatsServer({ port, storeDir });
    const job = await waitForState(id as string, 'completed');
    expect(job).toMatchObject({ rowsScored: ROWS, rowsFailed: 0 });
    const out = join(dir, 'restarted.jsonl');
    expect(stack.cli(['batch', 'download', id as string, '--out', out]).code).toBe(0);
    expectEveryRowOnce(ROWS, readJsonLines(out));
  });

  it('cancels a running job: its queued chunks are dropped and it says how far it got', async () => {
    // Small chunks, so the job is still running when the CLI (a new process) gets to cancel it.
    const { id } = submit(flights, '--chunk-rows', '1000');
    await waitForChunks(id as string, 1);
    const cancel = stack.cli(['batch', 'cancel', id as string]);
    expect(cancel.stdout).toMatch(new RegExp(`job ${id} cancelled after \\d+ of 200000 rows`));
    const job = (await store.getJob(id as string)).job;
    expect(job.state).toBe('cancelled');
    expect((job.rowsScored ?? 0) % 1000).toBe(0);
    const list = stack.cli(['batch', 'list']);
    expect(list.stdout).toMatch(new RegExp(`${id}\\s+cancelled`));
  });

  describe('schedules', () => {
    const jobsOf = async (name: string) => (await store.listJobs()).filter((j) => j.schedule === name);

    it('submits a job on each slot of a short cron, from the input it uploaded once', async () => {
      const small = join(dir, 'small.jsonl');
      writeFileSync(small, readFileSync(flights, 'utf8').split('\n').slice(0, 1000).join('\n'));
      const created = stack.cli([
        'batch',
        'schedule',
        'create',
        'every-3s',
        small,
        '--cron',
        '*/3 * * * * *',
        '--model',
        'flight-delay',
      ]);
      expect(created.stderr).toBe('');
      let job: BatchJob | undefined;
      await waitFor(
        'a scheduled job to complete',
        async () => {
          job = (await jobsOf('every-3s')).find((j) => j.state === 'completed');
          return !!job;
        },
        20_000,
      );
      expect(job).toMatchObject({
        totalRows: 1000,
        rowsScored: 1000,
        input: { object: 'inputs/schedules/every-3s/small.jsonl' },
      });
      // On its slot: submitted within a moment of a whole multiple of 3 seconds.
      const submitted = Date.parse((job as BatchJob).submittedAt);
      expect(submitted % 3000).toBeLessThan(2500);
      expect(stack.cli(['batch', 'schedule', 'delete', 'every-3s']).code).toBe(0);
    });

    it('runs a window missed while no scheduler ran once, not once per missed slot', async () => {
      const object = 'inputs/schedules/every-3s/small.jsonl';
      const created = stack.cli([
        'batch',
        'schedule',
        'create',
        'hourly',
        '--object',
        object,
        '--cron',
        '0 0 * * * *',
        '--model',
        'flight-delay',
      ]);
      expect(created.stderr).toBe('');
      // As if every scheduler had been down for five hourly slots.
      const schedules = await BatchSchedules.open(store);
      const [entry] = (await schedules.list()).filter((s) => s.schedule.name === 'hourly');
      const fiveHoursAgo = new Date(Date.now() - 5 * 3600_000).toISOString();
      await schedules.update({ ...entry.schedule, lastRunAt: fiveHoursAgo }, entry.revision);

      await waitFor('the missed run', async () => (await jobsOf('hourly')).length > 0, 20_000);
      await new Promise((resolve) => setTimeout(resolve, 4000));
      expect(await jobsOf('hourly')).toHaveLength(1);
      expect(stack.cli(['batch', 'schedule', 'delete', 'hourly']).code).toBe(0);
    });
  });
});
