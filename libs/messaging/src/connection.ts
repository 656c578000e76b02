// Connecting to NATS and opening the JetStream buckets Aviary keeps its state in (created when missing).
import { connect, JetStreamClient, KV, KvOptions, NatsConnection, ObjectStore } from 'nats';
import { useNativeObjectStoreHash } from './object-store-hash';

/**
 * NATS_URL as the nats client takes it: comma-separated servers, credentials from the URL's user info
 * (nats://user:password@host:4222, as a hub with accounts needs; nats.js 2.x ignores them in a URL), and a
 * form safe to log.
 */
export function parseNatsUrl(url: string): { servers: string[]; user?: string; pass?: string; redacted: string } {
  let user: string | undefined;
  let pass: string | undefined;
  const servers = url.split(',').map((server) => {
    const match = /^([a-z]+:\/\/)([^@/]*)@(.*)$/.exec(server.trim());
    if (!match) return server.trim();
    const [name, password] = match[2].split(':');
    user = decodeURIComponent(name);
    pass = password === undefined ? undefined : decodeURIComponent(password);
    return `${match[1]}${match[3]}`;
  });
  const redacted = url.replace(/\/\/([^:@/]*):[^@/]*@/g, '//$1:***@');
  return { servers, user, pass, redacted };
}

/**
 * Connects, retrying the first connection until `firstConnectMs` has passed (NATS may start after us in
 * compose or Kubernetes), then reconnecting forever once connected.
 */
export async function connectNats(url: string, name: string, firstConnectMs = 30_000): Promise<NatsConnection> {
  const deadline = Date.now() + firstConnectMs;
  const { servers, user, pass, redacted } = parseNatsUrl(url);
  for (;;) {
    try {
      // noAsyncTraces: nats.js would otherwise build an Error per request just to keep a stack trace (measured ~4 % of gateway CPU).
      return await connect({
        servers,
        user,
        pass,
        name,
        maxReconnectAttempts: -1,
        reconnectTimeWait: 500,
        timeout: 5_000,
        noAsyncTraces: true,
      });
    } catch (e) {
      if (Date.now() >= deadline) throw new Error(`cannot connect to NATS at ${redacted}: ${(e as Error).message}`);
      await new Promise((r) => setTimeout(r, 500));
    }
  }
}

export async function openKv(js: JetStreamClient, bucket: string, options: Partial<KvOptions> = {}): Promise<KV> {
  return js.views.kv(bucket, { history: 5, ...options });
}

export async function openObjectStore(js: JetStreamClient, bucket: string): Promise<ObjectStore> {
  useNativeObjectStoreHash();
  return js.views.os(bucket);
}
