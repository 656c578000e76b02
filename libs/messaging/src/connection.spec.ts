import { freePort, NatsServer, startNatsServer } from '@aviary/testing';
import { connectNats, openKv, openObjectStore, parseNatsUrl } from './connection';
import { NatsRpc } from './rpc';
import { NatsReadiness } from './nats-readiness';

describe('parseNatsUrl', () => {
  it('takes credentials from the URL, keeps every server and hides the password when logged', () => {
    expect(parseNatsUrl('nats://aviary:p%40ss@hub-0:4222,nats://hub-1:4222')).toEqual({
      servers: ['nats://hub-0:4222', 'nats://hub-1:4222'],
      user: 'aviary',
      pass: 'p@ss',
      redacted: 'nats://aviary:***@hub-0:4222,nats://hub-1:4222',
    });
  });

  it('leaves a URL without credentials as it is', () => {
    expect(parseNatsUrl('nats://127.0.0.1:4222')).toEqual({
      servers: ['nats://127.0.0.1:4222'],
      user: undefined,
      pass: undefined,
      redacted: 'nats://127.0.0.1:4222',
    });
  });
});

describe('connectNats', () => {
  let nats: NatsServer;

  beforeAll(async () => {
    nats = await startNatsServer();
  });

  afterAll(async () => {
    await nats?.stop();
  });

  it('connects under the given name, so the server can tell services apart', async () => {
    const nc = await connectNats(nats.url, 'connection-spec');
    try {
      expect(nc.info?.port).toBe(nats.port);
      expect(nc.isClosed()).toBe(false);
    } finally {
      await nc.close();
    }
  });

  it('accepts a comma-separated list of servers, skipping one that is down', async () => {
    const downPort = await freePort();
    const nc = await connectNats(`nats://127.0.0.1:${downPort},${nats.url}`, 'connection-spec');
    try {
      expect(nc.getServer()).toBe(`127.0.0.1:${nats.port}`);
    } finally {
      await nc.close();
    }
  });

  it('gives up with a clear error when no NATS server answers within the first-connect window', async () => {
    const port = await freePort();
    const started = Date.now();
    await expect(connectNats(`nats://127.0.0.1:${port}`, 'connection-spec', 1_000)).rejects.toThrow(
      `cannot connect to NATS at nats://127.0.0.1:${port}`,
    );
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('keeps trying the first connection until NATS comes up', async () => {
    const port = await freePort();
    const attempt = connectNats(`nats://127.0.0.1:${port}`, 'connection-spec', 10_000);
    await new Promise((r) => setTimeout(r, 700));
    const late = await startNatsServer({ port });
    try {
      const nc = await attempt;
      expect(nc.getServer()).toBe(`127.0.0.1:${port}`);
      await nc.close();
    } finally {
      await late.stop();
    }
  });

  it('opens KV buckets that keep 5 revisions by default, and object stores, creating them when missing', async () => {
    const nc = await connectNats(nats.url, 'connection-spec');
    try {
      const js = nc.jetstream();
      const kv = await openKv(js, 'spec_kv');
      expect((await kv.status()).history).toBe(5);
      await kv.put('k', 'v1');
      expect((await (await openKv(js, 'spec_kv')).get('k'))?.string()).toBe('v1');
      expect((await openKv(js, 'spec_kv_one', { history: 1 }).then((b) => b.status())).history).toBe(1);

      const store = await openObjectStore(js, 'spec_objects');
      await store.putBlob({ name: 'a/b.bin' }, Uint8Array.from([1, 2, 3]));
      expect(Array.from((await (await openObjectStore(js, 'spec_objects')).getBlob('a/b.bin')) ?? [])).toEqual([
        1, 2, 3,
      ]);
    } finally {
      await nc.drain();
    }
  });
});

describe('NatsReadiness', () => {
  it('is ready while the connection is open and says why not once it has closed', async () => {
    const nats = await startNatsServer();
    try {
      const rpc = new NatsRpc(await connectNats(nats.url, 'readiness-spec'));
      const readiness = new NatsReadiness(rpc);
      expect(await readiness.ready()).toEqual({ ready: true });
      await rpc.drain();
      expect(await readiness.ready()).toEqual({ ready: false, reason: 'NATS connection closed' });
    } finally {
      await nats.stop();
    }
  });
});
