import { NatsServer, startNatsServer } from '@aviary/testing';
import { NatsConnection } from 'nats';
import { randomBytes } from 'node:crypto';
import { connectNats, openObjectStore } from './connection';

// The bundled hash, kept before the swap (the file object-store-hash.ts swaps): what other nats.js clients write.
const bundled = require('nats/lib/nats-base-client/js-sha256');
const bundledCreate = bundled.sha256.create;

const bytes = (stream: ReadableStream<Uint8Array>) => new Response(stream).arrayBuffer().then((b) => Buffer.from(b));
const once = (data: Uint8Array) =>
  new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(data);
      controller.close();
    },
  });

describe('the object store hash', () => {
  let nats: NatsServer;
  let nc: NatsConnection;

  beforeAll(async () => {
    nats = await startNatsServer();
    nc = await connectNats(nats.url, 'object-store-hash-spec');
  });

  afterAll(async () => {
    await nc?.drain();
    await nats?.stop();
  });

  it('digests as the bundled hash did, so objects written before or by other clients read back, and back again', async () => {
    const js = nc.jetstream();
    const before = randomBytes(300_000);
    await (await js.views.os('hash-spec')).put({ name: 'before' }, once(before));
    expect(bundled.sha256.create).toBe(bundledCreate);

    const store = await openObjectStore(js, 'hash-spec');
    expect(bundled.sha256.create).not.toBe(bundledCreate);
    const after = randomBytes(300_000);
    const info = await store.put({ name: 'after' }, once(after));

    const reference = bundledCreate();
    reference.update(after);
    expect(info.digest).toBe(`SHA-256=${Buffer.from(reference.digest()).toString('base64url')}=`);
    for (const [name, data] of [
      ['before', before],
      ['after', after],
    ] as const) {
      const found = await store.get(name);
      if (!found) throw new Error(`object ${name} is missing`);
      expect(await bytes(found.data)).toEqual(data);
      expect(await found.error).toBeFalsy();
    }
  });
});
