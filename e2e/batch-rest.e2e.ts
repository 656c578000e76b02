// Batch jobs over the gateway's REST API, on the whole stack: upload or name a stored object, follow the job, fetch
// its output and errors; bad input is refused with the reason and nothing stored.
import { BatchStore, JobStatus } from '@aviary/batch';
import { eventSubjects } from '@aviary/contracts';
import { connectNats, EventLog } from '@aviary/messaging';
import { Stack, startStack, waitFor } from '@aviary/testing';
import { NatsConnection } from 'nats';
import { FLIGHT, getJson, postJson, postStream } from './support';

const ROWS = 3000;
const flights = Array.from({ length: ROWS }, (_, i) =>
  i % 500 === 99 ? { ...FLIGHT, distance: 'far' } : { ...FLIGHT, distance: 100 + i },
);
const jsonl = `${flights.map((f) => JSON.stringify(f)).join('\n')}\n`;
const UPLOAD_LIMIT = 1024 * 1024;
/** Long enough for each test to read its job's output, short enough to watch jobs expire at the end. */
const RETENTION = '20s';

describe('batch jobs over REST', () => {
  let stack: Stack;
  let nc: NatsConnection;
  let store: BatchStore;

  beforeAll(async () => {
    stack = await startStack({
      env: { AVIARY_BATCH_UPLOAD_LIMIT: String(UPLOAD_LIMIT), AVIARY_BATCH_RETENTION: RETENTION },
    });
    nc = await connectNats(stack.natsUrl, 'batch-rest-e2e');
    store = await BatchStore.open(nc);
  }, 120_000);

  afterAll(async () => {
    await nc?.drain();
    await stack?.stop();
  });

  const jobs = () => `${stack.gateway.httpUrl}/v1/batch/jobs`;
  const upload = (query: string, body: string, type = 'application/x-ndjson') =>
    fetch(`${jobs()}?${query}`, { method: 'POST', headers: { 'content-type': type }, body });
  const finished = async (id: string) => {
    let body: JobStatus | undefined;
    await waitFor(
      `job ${id} to finish`,
      async () => {
        body = (await getJson(`${jobs()}/${id}`)).body;
        return body?.job.state !== 'running';
      },
      60_000,
    );
    return body as JobStatus;
  };

  let uploaded: string;
  it('scores an uploaded file and serves its output in input order and its errors', async () => {
    const response = await upload('model=flight-delay&keep=distance&format=csv', jsonl);
    expect(response.status).toBe(201);
    const job = (await response.json()) as { id: string };
    expect(job).toMatchObject({ model: 'flight-delay', totalRows: ROWS, state: 'running' });
    uploaded = job.id;

    const status = await finished(job.id);
    expect(status.job).toMatchObject({ state: 'completed', rowsScored: ROWS - 6, rowsFailed: 6 });
    expect(status.progress).toMatchObject({ rowsDone: ROWS, totalRows: ROWS });

    const output = (await (await fetch(`${jobs()}/${job.id}/output`)).text()).trim().split('\n');
    expect(output[0]).toBe('row,distance,label,probability');
    expect(output[1]).toMatch(/^1,100,(late|on-time),0\.\d+$/);
    expect(output).toHaveLength(ROWS - 6 + 1);
    const errors = (await (await fetch(`${jobs()}/${job.id}/errors`)).text())
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(errors.map((e) => e.row)).toEqual([100, 600, 1100, 1600, 2100, 2600]);
    expect(errors[0].reason).toBe('input "distance" must be a number, got "far"');

    const list = await getJson(jobs());
    expect(list.body.jobs.map((j: { id: string }) => j.id)).toContain(job.id);
    const cancel = await postJson(`${jobs()}/${job.id}/cancel`, {});
    expect(cancel.status).toBe(409);

    const events = (await (await EventLog.open(nc)).read(eventSubjects.allBatch))
      .map((e) => ({ subject: e.subject, ...(e.body as { kind: string; job: { id: string } }) }))
      .filter((e) => e.job.id === job.id);
    expect(events.map((e) => [e.subject, e.kind])).toEqual([
      ['aviary.v1.events.batch.submitted', 'batch.submitted'],
      ['aviary.v1.events.batch.completed', 'batch.completed'],
    ]);
  });

  it('scores an object already in the aviary_batch store', async () => {
    await store.putObject('inputs/rest-e2e/flights.jsonl', [Buffer.from(jsonl)]);
    const response = await postJson(jobs(), {
      object: 'inputs/rest-e2e/flights.jsonl',
      model: 'flight-delay',
      version: '1',
    });
    expect(response.status).toBe(201);
    expect(response.body).toMatchObject({
      version: '1',
      input: { object: 'inputs/rest-e2e/flights.jsonl', format: 'jsonl' },
    });
    expect((await finished(response.body.id)).job.state).toBe('completed');
  });

  it('refuses an upload past AVIARY_BATCH_UPLOAD_LIMIT with 413, storing nothing', async () => {
    const before = { jobs: (await store.listJobs()).length, objects: (await store.objects.list()).length };
    const large = jsonl.repeat(Math.ceil((2 * UPLOAD_LIMIT) / jsonl.length));
    const declared = await fetch(`${jobs()}?model=flight-delay`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-ndjson' },
      body: large,
    });
    expect(declared.status).toBe(413);
    const pieces = Array.from({ length: Math.ceil(large.length / 65536) }, (_, i) =>
      Buffer.from(large.slice(i * 65536, (i + 1) * 65536)),
    );
    const streamed = await postStream(`${jobs()}?model=flight-delay`, 'application/x-ndjson', pieces);
    expect(streamed.status).toBe(413);
    for (const error of [((await declared.json()) as { error: string }).error, streamed.body.error])
      expect(error).toMatch(/larger than the limit set by AVIARY_BATCH_UPLOAD_LIMIT/);
    expect({ jobs: (await store.listJobs()).length, objects: (await store.objects.list()).length }).toEqual(before);
  });

  it.each([
    ['an unknown model', 'model=nope', jsonl, 404, /model "nope" has no serving version/],
    ['an unknown version', 'model=flight-delay&version=42', jsonl, 404, /has no version "42"/],
    [
      'a missing column',
      'model=flight-delay',
      `${JSON.stringify({ date: FLIGHT.date })}\n`,
      400,
      /lacks column\(s\) the model needs: distance, origin, destination/,
    ],
    ['an unreadable file', 'model=flight-delay', 'not json\n', 400, /no line is a JSON object/],
  ])('refuses %s with the reason, storing nothing', async (_what, query, body, status, message) => {
    const before = { jobs: (await store.listJobs()).length, objects: (await store.objects.list()).length };
    const response = await upload(query, body);
    expect(response.status).toBe(status);
    expect(((await response.json()) as { error: string }).error).toMatch(message);
    expect({ jobs: (await store.listJobs()).length, objects: (await store.objects.list()).length }).toEqual(before);
  });

  it('deletes a finished job past AVIARY_BATCH_RETENTION: its output, errors, upload and record, not a named input', async () => {
    // The leading scheduler stamps the expiry on its next sweep after the job finished.
    let job = (await store.getJob(uploaded)).job;
    await waitFor(
      `job ${uploaded} to be stamped with its expiry`,
      async () => {
        job = (await store.getJob(uploaded)).job;
        return job.expiresAt !== undefined;
      },
      20_000,
    );
    expect(job.expiresAt).toBe(new Date(Date.parse(job.finishedAt as string) + 20_000).toISOString());
    await waitFor(`job ${uploaded} to expire`, async () => !(await store.findJob(uploaded)), 40_000);
    expect((await getJson(`${jobs()}/${uploaded}`)).status).toBe(404);
    const names = (await store.objects.list()).map((o) => o.name);
    expect(names.filter((n) => n.includes(`/${uploaded}/`))).toEqual([]);
    expect(await store.chunkResults(uploaded)).toEqual([]);
    expect(names).toContain('inputs/rest-e2e/flights.jsonl');
  }, 60_000);
});
