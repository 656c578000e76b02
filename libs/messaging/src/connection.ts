// Connecting to NATS and opening the JetStream buckets Aviary keeps its state in (created when missing).
import { connect, JetStreamClient, KV, KvOptions, NatsConnection, ObjectStore } from 'nats';

export async function connectNats(url: string, name: string): Promise<NatsConnection> {
  return connect({
    servers: url.split(','),
    name,
    // Keep retrying in the background once connected; fail start-up fast if NATS is not there at all.
    maxReconnectAttempts: -1,
    reconnectTimeWait: 500,
    waitOnFirstConnect: true,
    timeout: 10_000,
  });
}

export async function openKv(js: JetStreamClient, bucket: string, options: Partial<KvOptions> = {}): Promise<KV> {
  return js.views.kv(bucket, { history: 5, ...options });
}

export async function openObjectStore(js: JetStreamClient, bucket: string): Promise<ObjectStore> {
  return js.views.os(bucket);
}
