// A real nats-server with JetStream, on a free loopback port with its own store directory.
import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './ports';
import { ManagedProcess, SpawnOptions, spawnManaged, waitFor } from './process';

export interface NatsServer {
  url: string;
  port: number;
  storeDir: string;
  process: ManagedProcess;
  stop(): Promise<void>;
}

export interface NatsServerOptions extends SpawnOptions {
  /** JetStream store; a fresh temporary directory (removed on stop) when not given. */
  storeDir?: string;
  port?: number;
  host?: string;
}

export async function startNatsServer(options: NatsServerOptions = {}): Promise<NatsServer> {
  const port = options.port ?? (await freePort());
  const temporary = !options.storeDir;
  const storeDir = options.storeDir ?? mkdtempSync(join(tmpdir(), 'aviary-nats-'));
  const host = options.host ?? '127.0.0.1';
  const process = spawnManaged('nats-server', 'nats-server', ['-a', host, '-p', String(port), '-js', '-sd', storeDir], options);
  process.child.once('error', () => undefined);
  await waitFor(`nats-server on port ${port}`, () => canConnect(port), 15_000, process);
  return {
    url: `nats://127.0.0.1:${port}`,
    port,
    storeDir,
    process,
    async stop() {
      await process.stop();
      if (temporary) rmSync(storeDir, { recursive: true, force: true });
    },
  };
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}
