// A live copy of every flag set in the aviary_flags KV bucket (key = set name, value = flagd JSON), for any process
// that evaluates flags itself. Each revision is parsed whole; an invalid one is logged and ignored, so the last good
// set keeps answering; a deleted set is dropped.
import { buckets } from '@aviary/contracts';
import { BucketWatch, followBucket, openKv } from '@aviary/messaging';
import { KvEntry, NatsConnection } from 'nats';
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

const fromUtf8 = new TextDecoder();

export class FlagSetStore {
  private readonly sets = new Map<string, StoredFlagSet>();
  /** Why a set that never had a good revision cannot be read. */
  private readonly rejected = new Map<string, string>();
  private watch?: BucketWatch;

  constructor(private readonly log: FlagSetLog) {}

  /** Loads every set's latest revision and keeps following the bucket until `stop`. */
  async follow(connection: NatsConnection): Promise<void> {
    const kv = await openKv(connection.jetstream(), buckets.flags);
    this.watch = await followBucket(
      kv,
      connection,
      (entry) => this.apply(entry),
      (e) => this.log.error({ reason: e.message }, 'flag set watch ended'),
    );
  }

  stop(): void {
    this.watch?.stop();
  }

  /** One change of the bucket; idempotent, as a fresh watch replays each key's latest entry. */
  apply(entry: FlagSetEntry): void {
    if (entry.operation !== 'PUT') {
      this.sets.delete(entry.key);
      this.rejected.delete(entry.key);
      return;
    }
    try {
      const set = FlagSet.parse(fromUtf8.decode(entry.value));
      this.sets.set(entry.key, { name: entry.key, set, revision: entry.revision });
      this.rejected.delete(entry.key);
      this.log.info({ flagSet: entry.key, revision: entry.revision }, 'flag set loaded');
    } catch (e) {
      const reason = (e as Error).message;
      if (!this.sets.has(entry.key)) this.rejected.set(entry.key, `flag set "${entry.key}": ${reason}`);
      this.log.error(
        { flagSet: entry.key, revision: entry.revision, reason },
        'flag set rejected; the last good one keeps serving',
      );
    }
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
}
