// A KV watch that follows its bucket across NATS restarts. nats.js's ordered consumer notices that its consumer
// died with the server only after two missed 5 s heartbeats (measured: a version pushed right after a restart
// served 11 s later); a reconnect starts a fresh watch at once instead. A fresh watch replays every key's latest
// value (deletes included), so `onEntry` must be idempotent.
import { DebugEvents, Events, KV, KvEntry, NatsConnection } from 'nats';

export interface BucketWatch {
  stop(): void;
}

/** Optional signals for a follower that reports whether its copy is current (an OpenFeature provider's STALE). */
export interface BucketWatchSignals {
  /** Every watch (the first, and each after a reconnect) has handed `onEntry` the whole bucket as it was. */
  onCaughtUp?: () => void;
  /** The connection dropped: nothing new arrives until it is back and the fresh watch has caught up. */
  onInterrupted?: (reason: string) => void;
}

export async function followBucket(
  kv: KV,
  connection: NatsConnection,
  onEntry: (entry: KvEntry) => void,
  onEnd: (error: Error) => void,
  signals: BucketWatchSignals = {},
): Promise<BucketWatch> {
  let stopped = false;
  const open = async () => {
    // nats.js says "initialized" from inside watch() when the replay has already arrived (the entries are still
    // queued, not yet handed to us), or in order within the iterator otherwise; the backlog covers the first case.
    let opened = false;
    let initializedEarly = false;
    const iterator = await kv.watch({
      initializedFn: () => (opened ? signals.onCaughtUp?.() : (initializedEarly = true)),
    });
    opened = true;
    let backlog = initializedEarly ? iterator.getPending() : -1;
    if (backlog === 0) signals.onCaughtUp?.();
    void (async () => {
      for await (const entry of iterator) {
        onEntry(entry);
        if (backlog > 0 && --backlog === 0) signals.onCaughtUp?.();
      }
    })().catch(onEnd);
    return iterator;
  };
  let current = await open();

  const statuses = connection.status();
  void (async () => {
    for await (const status of statuses) {
      if (stopped) continue;
      if (status.type === Events.Disconnect || status.type === DebugEvents.Reconnecting) {
        signals.onInterrupted?.(`NATS connection lost (${status.type})`);
        continue;
      }
      if (status.type !== Events.Reconnect) continue;
      current.stop(); // first, so an old consumer that survived a network blip cannot deliver after the new one
      try {
        const fresh = await open();
        if (stopped) fresh.stop();
        else current = fresh;
      } catch (e) {
        onEnd(e as Error);
      }
    }
  })();

  return {
    stop() {
      stopped = true;
      current.stop();
      // nats.js hands out a QueuedIterator, typed only as AsyncIterable; stopping it drops its listener.
      (statuses as Partial<{ stop(): void }>).stop?.();
    },
  };
}
