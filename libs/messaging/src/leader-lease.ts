// One leader among a service's replicas (rollout controllers, batch schedulers), by a lease in KV (nats-server 2.9 has no per-message TTL): the
// lease holds {holder, renewedAt}; the holder renews it with compare-and-set every second; another replica takes it
// over, again by compare-and-set, once it has seen the same revision for longer than the lease. Staleness is judged
// on the observer's own clock (how long the revision stood still), so clock skew between hosts does not matter.
import { decodeJson, encodeJson } from './json';
import { KV } from 'nats';

export interface LeaseOptions {
  holder: string;
  /** How long a lease that stopped moving stands before another replica takes it (default 3 s). */
  leaseMs?: number;
  now?: () => number;
}

export class LeaderLease {
  private readonly leaseMs: number;
  private readonly now: () => number;
  /** The lease revision last seen and when it was first seen (local clock). */
  private seen?: { revision: number; since: number };
  /** When this replica last renewed successfully: it leads for leaseMs after that, no longer. */
  private renewedAt?: number;

  constructor(
    private readonly kv: KV,
    private readonly key: string,
    options: LeaseOptions,
  ) {
    this.holder = options.holder;
    this.leaseMs = options.leaseMs ?? 3000;
    this.now = options.now ?? Date.now;
  }

  readonly holder: string;

  /** Whether this replica may act now: it renewed within the lease (a partitioned leader stops on its own). */
  get leading(): boolean {
    return this.renewedAt !== undefined && this.now() - this.renewedAt < this.leaseMs;
  }

  /** One beat: renew the lease if held, take it if free or stale; answers whether this replica leads. */
  async beat(): Promise<boolean> {
    const now = this.now();
    const entry = await this.kv.get(this.key);
    const value = encodeJson({ holder: this.holder, renewedAt: new Date(now).toISOString() });
    // A delete marker is a revision too: create refuses it, an update on its revision takes it.
    if (!entry || entry.operation !== 'PUT')
      return this.attempt(() =>
        entry ? this.kv.update(this.key, value, entry.revision) : this.kv.create(this.key, value),
      );
    const { holder } = decodeJson(entry.value, 'leader lease') as { holder?: string };
    if (this.seen?.revision !== entry.revision) this.seen = { revision: entry.revision, since: now };
    const stale = now - this.seen.since >= this.leaseMs;
    if (holder !== this.holder && !stale) {
      this.renewedAt = undefined;
      return false;
    }
    return this.attempt(() => this.kv.update(this.key, value, entry.revision));
  }

  /** Gives the lease up (on shutdown), so another replica takes over at once. */
  async release(): Promise<void> {
    const entry = await this.kv.get(this.key);
    if (!entry || entry.operation !== 'PUT' || !this.leading) return;
    const { holder } = decodeJson(entry.value, 'leader lease') as { holder?: string };
    if (holder === this.holder) await this.kv.delete(this.key, { previousSeq: entry.revision }).catch(() => undefined);
    this.renewedAt = undefined;
  }

  private async attempt(write: () => Promise<number>): Promise<boolean> {
    const started = this.now();
    try {
      await write();
      this.renewedAt = started;
      return true;
    } catch (e) {
      if (!/wrong last sequence|key exists/i.test((e as Error).message)) throw e;
      this.renewedAt = undefined;
      return false;
    }
  }
}
