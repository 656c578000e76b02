// A KV watch that follows its bucket across NATS restarts. nats.js's ordered consumer notices that its consumer
// died with the server only after two missed 5 s heartbeats (measured: a version pushed right after a restart
// served 11 s later); a reconnect starts a fresh watch at once instead. A fresh watch replays every key's latest
// value (deletes included), so `onEntry` must be idempotent.
import { Events, KV, KvEntry, NatsConnection } from 'nats';

export interface BucketWatch {
  stop(): void;
}

export async function followBucket(
  kv: KV,
  connection: NatsConnection,
  onEntry: (entry: KvEntry) => void,
  onEnd: (error: Error) => void,
): Promise<BucketWatch> {
  let stopped = false;
  let current = await kv.watch();
  const consume = (iterator: typeof current) =>
    void (async () => {
      for await (const entry of iterator) onEntry(entry);
    })().catch(onEnd);
  consume(current);

  const statuses = connection.status();
  void (async () => {
    for await (const status of statuses) {
      if (status.type !== Events.Reconnect || stopped) continue;
      current.stop(); // first, so an old consumer that survived a network blip cannot deliver after the new one
      try {
        const fresh = await kv.watch();
        if (stopped) fresh.stop();
        else consume((current = fresh));
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
