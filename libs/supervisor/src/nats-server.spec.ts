import { connectNats } from '@aviary/messaging';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NatsServer, startNatsServer } from './nats-server';

describe('startNatsServer', () => {
  it('starts a nats-server with JetStream on a free port and removes its temporary store on stop', async () => {
    const server = await startNatsServer();
    let stopped = false;
    try {
      expect(server.url).toBe(`nats://127.0.0.1:${server.port}`);
      expect(existsSync(server.storeDir)).toBe(true);
      const nc = await connectNats(server.url, 'nats-server-spec');
      const kv = await nc.jetstream().views.kv('spec_bucket');
      await kv.put('greeting', 'hello');
      expect((await kv.get('greeting'))?.string()).toBe('hello');
      await nc.drain();
      // JetStream wrote its files into the store directory the server was given.
      expect(readdirSync(server.storeDir).length).toBeGreaterThan(0);

      await server.stop();
      stopped = true;
      expect(server.process.child.exitCode !== null || server.process.child.signalCode !== null).toBe(true);
      expect(existsSync(server.storeDir)).toBe(false);
    } finally {
      if (!stopped) await server.stop();
    }
  });

  it('keeps a store directory it was given, so JetStream state survives a restart', async () => {
    const storeDir = mkdtempSync(join(tmpdir(), 'aviary-spec-store-'));
    try {
      const first = await startNatsServer({ storeDir });
      const nc = await connectNats(first.url, 'nats-server-spec');
      await (await nc.jetstream().views.kv('spec_bucket')).put('kept', 'yes');
      await nc.drain();
      await first.stop();
      expect(existsSync(storeDir)).toBe(true);

      const second = await startNatsServer({ storeDir });
      try {
        const again = await connectNats(second.url, 'nats-server-spec');
        expect((await (await again.jetstream().views.kv('spec_bucket')).get('kept'))?.string()).toBe('yes');
        await again.drain();
      } finally {
        await second.stop();
      }
    } finally {
      rmSync(storeDir, { recursive: true, force: true });
    }
  });

  it('fails with the server output when its port is taken, instead of handing out the server already there', async () => {
    const server = await startNatsServer();
    let second: NatsServer | undefined;
    try {
      const error = await startNatsServer({ port: server.port }).then(
        (started) => {
          second = started;
          return undefined;
        },
        (e: Error) => e,
      );
      expect(error).toEqual(
        expect.objectContaining({
          message: expect.stringMatching(
            /^nats-server exited \(code 1\) while waiting for nats-server on port \d+:\n[\s\S]*address already in use/,
          ),
        }),
      );
    } finally {
      await second?.stop();
      await server.stop();
    }
  });
});
