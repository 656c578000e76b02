import { startNatsServer, waitFor } from '@aviary/testing';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connectNats, openKv } from './connection';
import { followBucket } from './kv-watch';

describe('followBucket against a real nats-server', () => {
  it('sees every entry, says when it has caught up and when the connection drops, and after a restart replays then sees new entries at once', async () => {
    const storeDir = mkdtempSync(join(tmpdir(), 'aviary-kv-watch-'));
    let nats = await startNatsServer({ storeDir });
    const nc = await connectNats(nats.url, 'kv-watch-spec');
    const seen: string[] = [];
    const ended: string[] = [];
    try {
      const kv = await openKv(nc.jetstream(), 'spec_follow');
      await kv.put('a', 'a1');
      const watch = await followBucket(
        kv,
        nc,
        (entry) => seen.push(`${entry.key}=${entry.operation === 'PUT' ? entry.string() : entry.operation}`),
        (e) => ended.push(e.message),
        { onCaughtUp: () => seen.push('caught up'), onInterrupted: () => seen.push('interrupted') },
      );
      await waitFor('the replay', async () => seen.includes('caught up'), 5_000);
      expect(seen).toEqual(['a=a1', 'caught up']);
      await kv.put('b', 'b1');
      await kv.delete('a');
      await waitFor('the first entries', async () => seen.length === 4, 5_000);
      expect(seen).toEqual(['a=a1', 'caught up', 'b=b1', 'a=DEL']);

      const port = nats.port;
      await nats.process.stop();
      nats = await startNatsServer({ storeDir, port });
      await waitFor(
        'the reconnect',
        async () => !nc.isClosed() && nc.info !== undefined && (await nc.flush(), true),
        10_000,
      );
      await kv.put('c', 'c1');
      // nats.js alone would deliver this only after two missed 5 s heartbeats.
      await waitFor('the entry put after the restart', async () => seen.includes('c=c1'), 5_000);
      // The outage was reported, then the fresh watch replayed the latest value of every key before the new entry.
      const afterRestart = seen.slice(4).filter((s, i, all) => s !== 'interrupted' || all[i - 1] !== 'interrupted');
      expect(afterRestart).toEqual(['interrupted', 'b=b1', 'a=DEL', 'caught up', 'c=c1']);

      watch.stop();
      await kv.put('d', 'd1');
      await nc.flush();
      await new Promise((r) => setTimeout(r, 300));
      expect(seen).not.toContain('d=d1');
      expect(ended).toEqual([]);
    } finally {
      await nc.close();
      await nats.stop();
      rmSync(storeDir, { recursive: true, force: true });
    }
  });
});

describe('followBucket on an empty bucket', () => {
  it('says it has caught up at once, with nothing to replay', async () => {
    const nats = await startNatsServer();
    const nc = await connectNats(nats.url, 'kv-watch-spec');
    try {
      const kv = await openKv(nc.jetstream(), 'spec_empty');
      let caughtUp = 0;
      const watch = await followBucket(
        kv,
        nc,
        () => undefined,
        () => undefined,
        { onCaughtUp: () => caughtUp++ },
      );
      await waitFor('the replay', async () => caughtUp === 1, 5_000);
      watch.stop();
    } finally {
      await nc.close();
      await nats.stop();
    }
  });
});
