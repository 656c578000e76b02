import { NatsServer, startNatsServer } from '@aviary/testing';
import { KV, NatsConnection } from 'nats';
import { connectNats, openKv } from './connection';
import { LeaderLease } from './leader-lease';

describe('LeaderLease against a real nats-server', () => {
  let nats: NatsServer;
  let nc: NatsConnection;
  let kv: KV;
  let clock = 0;
  const now = () => clock;
  const lease = (holder: string, key: string) => new LeaderLease(kv, key, { holder, leaseMs: 3000, now });

  beforeAll(async () => {
    nats = await startNatsServer({});
    nc = await connectNats(nats.url, 'leader-lease-spec');
    kv = await openKv(nc.jetstream(), 'lease_spec');
  });

  afterAll(async () => {
    await nc?.close();
    await nats?.stop();
  });

  it('lets exactly one of two replicas lead, and keeps it leading while it renews', async () => {
    const [a, b] = [lease('a', 'one'), lease('b', 'one')];
    expect(await Promise.all([a.beat(), b.beat()])).toEqual(expect.arrayContaining([true, false]));
    const leader = a.leading ? a : b;
    const follower = leader === a ? b : a;
    for (let i = 0; i < 5; i++) {
      clock += 1000;
      expect(await leader.beat()).toBe(true);
      expect(await follower.beat()).toBe(false);
    }
  });

  it('hands over when the leader stops renewing for longer than the lease, and the old leader stands down', async () => {
    const [a, b] = [lease('a', 'two'), lease('b', 'two')];
    expect(await a.beat()).toBe(true);
    expect(await b.beat()).toBe(false);
    clock += 2000;
    expect(await b.beat()).toBe(false);
    clock += 1500; // b has now seen the same revision for 3.5 s
    expect(a.leading).toBe(false); // a renewed 3.5 s ago: past its lease, it must not act
    expect(await b.beat()).toBe(true);
    expect(await a.beat()).toBe(false);
  });

  it('hands over at once when the leader releases the lease on shutdown', async () => {
    const [a, b] = [lease('a', 'three'), lease('b', 'three')];
    expect(await a.beat()).toBe(true);
    await a.release();
    expect(await b.beat()).toBe(true);
  });
});
