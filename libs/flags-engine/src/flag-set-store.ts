// A live copy of every flag set in the aviary_flags KV bucket (key = set name, value = flagd JSON), for any process
// that evaluates flags itself. Each revision is parsed whole; an invalid one is logged and ignored, so the last good
// set keeps answering; a deleted set is dropped. Listeners hear what changed and whether the copy is current.
import { buckets } from '@aviary/contracts';
import type { BucketWatch } from '@aviary/messaging/core';
import type { KvEntry, NatsConnection } from 'nats';
import { FlagSet } from './flag-set';

export interface StoredFlagSet {
  name: string;
  set: FlagSet;
  /** The KV revision this set was read from. */
  revision: number;
}

/** A set to read, with its revision, or why there is none: what an evaluation (and a bulk ETag) needs. */
export type StoredFlagSetLookup = StoredFlagSet | { missing: string } | { broken: string };

export interface FlagSetLog {
  info(fields: object, message: string): void;
  error(fields: object, message: string): void;
}

export type FlagSetEntry = Pick<KvEntry, 'key' | 'operation' | 'revision' | 'value'>;

/**
 * `changed`: a set loaded or was deleted, with the keys whose definition differs (none when a revision repeats the
 * last one); `rejected`: a revision was refused and the last good set, if any, keeps answering; `current`: the
 * bucket has been read whole (at start, and again after each reconnect); `stale`: the connection dropped and
 * changes may be missed until it is current again.
 */
export type FlagSetStoreEvent =
  | { type: 'changed'; flagSet: string; revision: number; flagsChanged: string[] }
  | { type: 'rejected'; flagSet: string; revision: number; reason: string }
  | { type: 'current' }
  | { type: 'stale'; reason: string };

/** `reading` until the bucket has been read once; then `current`, or `stale` while the connection is down. */
export type FlagSetStoreStatus = 'reading' | 'current' | 'stale';

const fromUtf8 = new TextDecoder();

export class FlagSetStore {
  private readonly sets = new Map<string, StoredFlagSet>();
  /** Why a set that never had a good revision cannot be read. */
  private readonly rejected = new Map<string, string>();
  /** The last revision applied per key, so the replay of a fresh watch changes (and announces) nothing. */
  private readonly applied = new Map<string, number>();
  private readonly listeners = new Set<(event: FlagSetStoreEvent) => void>();
  private watch?: BucketWatch;
  private currentStatus: FlagSetStoreStatus = 'reading';
  private markRead!: () => void;
  private readonly read = new Promise<void>((resolve) => (this.markRead = resolve));

  constructor(private readonly log: FlagSetLog) {}

  /** Loads every set's latest revision (resolving once it has) and keeps following the bucket until `stop`. */
  async follow(connection: NatsConnection): Promise<void> {
    // Loaded here, not with the store: a store filled from a bundle (the edge agent, offline) never loads NATS.
    const { followBucket, openKv } = await import('@aviary/messaging/core');
    const kv = await openKv(connection.jetstream(), buckets.flags);
    this.watch = await followBucket(
      kv,
      connection,
      (entry) => this.apply(entry),
      (e) => {
        this.log.error({ reason: e.message }, 'flag set watch ended');
        this.interrupted(`the flag set watch ended: ${e.message}`);
      },
      { onCaughtUp: () => this.caughtUp(), onInterrupted: (reason) => this.interrupted(reason) },
    );
    await this.read;
  }

  stop(): void {
    this.watch?.stop();
  }

  get status(): FlagSetStoreStatus {
    return this.currentStatus;
  }

  /** Resolves once the bucket has been read whole, by whoever follows it. */
  whenRead(): Promise<void> {
    return this.read;
  }

  /** Adds a listener; the returned function removes it. */
  subscribe(listener: (event: FlagSetStoreEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** One change of the bucket; idempotent, as a fresh watch replays each key's latest entry. */
  apply(entry: FlagSetEntry): void {
    if (this.applied.get(entry.key) === entry.revision) return;
    this.applied.set(entry.key, entry.revision);
    const previous = this.sets.get(entry.key);
    if (entry.operation !== 'PUT') {
      this.sets.delete(entry.key);
      this.rejected.delete(entry.key);
      const flagsChanged = previous?.set.keys() ?? [];
      this.emit({ type: 'changed', flagSet: entry.key, revision: entry.revision, flagsChanged });
      return;
    }
    try {
      const set = FlagSet.parse(fromUtf8.decode(entry.value));
      this.sets.set(entry.key, { name: entry.key, set, revision: entry.revision });
      this.rejected.delete(entry.key);
      this.log.info({ flagSet: entry.key, revision: entry.revision }, 'flag set loaded');
      const flagsChanged = set.changedSince(previous?.set);
      this.emit({ type: 'changed', flagSet: entry.key, revision: entry.revision, flagsChanged });
    } catch (e) {
      const reason = (e as Error).message;
      if (!previous) this.rejected.set(entry.key, `flag set "${entry.key}": ${reason}`);
      this.log.error(
        { flagSet: entry.key, revision: entry.revision, reason },
        'flag set rejected; the last good one keeps serving',
      );
      this.emit({ type: 'rejected', flagSet: entry.key, revision: entry.revision, reason });
    }
  }

  /** The bucket has been read whole: at start, or by the fresh watch after a reconnect. */
  caughtUp(): void {
    this.markRead();
    if (this.currentStatus === 'current') return;
    this.currentStatus = 'current';
    this.emit({ type: 'current' });
  }

  /** The connection dropped (or the watch ended): the sets keep answering, but changes may be missed. */
  interrupted(reason: string): void {
    if (this.currentStatus !== 'current') return;
    this.currentStatus = 'stale';
    this.emit({ type: 'stale', reason });
  }

  get(name: string): StoredFlagSet | undefined {
    return this.sets.get(name);
  }

  lookup(name: string): StoredFlagSetLookup {
    const stored = this.sets.get(name);
    if (stored) return stored;
    const broken = this.rejected.get(name);
    return broken ? { broken } : { missing: `flag set "${name}" does not exist` };
  }

  private emit(event: FlagSetStoreEvent): void {
    for (const listener of this.listeners) listener(event);
  }
}
