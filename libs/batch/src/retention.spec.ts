import { BatchJob } from '@aviary/contracts';
import { connectNats } from '@aviary/messaging';
import { NatsServer, startNatsServer } from '@aviary/testing';
import { NatsConnection } from 'nats';
import { BatchStore, objectNames } from './batch-store';
import { BatchRetention, expiryOf } from './retention';

const NOW = new Date('2026-12-02T08:00:00.000Z');
const ago = (ms: number) => new Date(NOW.getTime() - ms).toISOString();

function job(id: string, changes: Partial<BatchJob> = {}): BatchJob {
  return {
    id,
    model: 'flight-delay',
    version: '2',
    state: 'completed',
    input: { object: objectNames.upload(id, 'flights.jsonl'), format: 'jsonl', columns: ['distance'] },
    output: { format: 'jsonl', keep: [] },
    totalRows: 2,
    chunks: 2,
    submittedAt: ago(60_000),
    finishedAt: ago(50_000),
    ...changes,
  };
}

describe('expiryOf', () => {
  it('is finishedAt plus the retention for a finished job, and none while it runs', () => {
    expect(expiryOf(job('a'), 10_000)).toBe(ago(40_000));
    expect(expiryOf(job('b', { state: 'running', finishedAt: undefined }), 10_000)).toBeUndefined();
  });
});

describe('BatchRetention against a real nats-server', () => {
  let nats: NatsServer;
  let nc: NatsConnection;
  let store: BatchStore;

  beforeAll(async () => {
    nats = await startNatsServer({});
    nc = await connectNats(nats.url, 'batch-retention-spec');
    store = await BatchStore.open(nc);
  });

  afterAll(async () => {
    await nc?.close();
    await nats?.stop();
  });

  /** A job as the workers leave it: its document, two chunks' results and objects, its input. */
  async function stored(j: BatchJob): Promise<void> {
    await store.createJob(j);
    await store.putObject(j.input.object, [Buffer.from('{"distance":1}\n')]).catch(() => undefined);
    for (let index = 0; index < j.chunks; index++) {
      await store.putCompressed(objectNames.chunkOutput(j.id, index), [Buffer.from('{"row":1}\n')]);
      await store.putCompressed(objectNames.chunkErrors(j.id, index), []);
      await store.putChunkResult(j.id, { index, rowsScored: 1, rowsFailed: 0, worker: 'w', finishedAt: ago(50_000) });
    }
  }
  const objectsOf = async (id: string) =>
    (await store.objects.list()).filter((o) => o.name.includes(`/${id}/`)).map((o) => o.name);

  it('deletes expired jobs whole, stamps newly finished ones, leaves running ones and shared inputs', async () => {
    const shared = 'inputs/nightly/flights.jsonl';
    await stored(job('expired'));
    await stored(job('expired-shared', { input: { object: shared, format: 'jsonl', columns: ['distance'] } }));
    await stored(job('recent', { state: 'cancelled', finishedAt: ago(1_000) }));
    await stored(job('running', { state: 'running', finishedAt: undefined }));

    const result = await new BatchRetention(store, 30_000).sweep(NOW);

    expect(result.deleted.sort()).toEqual(['expired', 'expired-shared']);
    expect(result.stamped).toEqual(['recent']);
    expect((await store.listJobs()).map((j) => [j.id, j.expiresAt]).sort()).toEqual([
      ['recent', new Date(NOW.getTime() - 1_000 + 30_000).toISOString()],
      ['running', undefined],
    ]);
    for (const id of ['expired', 'expired-shared']) {
      expect(await objectsOf(id)).toEqual([]);
      expect(await store.chunkResults(id)).toEqual([]);
      expect(await store.findJob(id)).toBeUndefined();
    }
    expect(await store.objects.info(shared)).not.toBeNull();
    expect(await objectsOf('recent')).toHaveLength(5);
    expect(await store.chunkResults('running')).toHaveLength(2);

    // Past its stamped expiry, the recent one goes too.
    const later = await new BatchRetention(store, 30_000).sweep(new Date(NOW.getTime() + 30_000));
    expect(later.deleted).toEqual(['recent']);
    expect(await objectsOf('recent')).toEqual([]);
  });
});
