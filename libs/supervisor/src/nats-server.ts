// A real nats-server with JetStream, on a free loopback port with its own store directory.
import { mkdtempSync, rmSync } from 'node:fs';
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
  /**
   * A nats-server config file (e.g. deploy/nats/hub.conf rewritten for loopback): its settings apply, port and
   * host above override its own; JetStream and its store_dir are the file's (give the same path as storeDir).
   */
  configFile?: string;
}

export async function startNatsServer(options: NatsServerOptions = {}): Promise<NatsServer> {
  const port = options.port ?? (await freePort());
  const temporary = !options.storeDir && !options.configFile;
  const storeDir = options.storeDir ?? mkdtempSync(join(tmpdir(), 'aviary-nats-'));
  const host = options.host ?? '127.0.0.1';
  const process = spawnManaged(
    'nats-server',
    'nats-server',
    options.configFile
      ? ['-c', options.configFile, '-a', host, '-p', String(port)]
      : ['-a', host, '-p', String(port), '-js', '-sd', storeDir],
    options,
  );
  process.child.once('error', () => undefined);
  // Its own "ready" line, not just an open port: another server already on the port must not pass for this one.
  await waitFor(
    `nats-server on port ${port}`,
    async () => process.output().includes('Server is ready'),
    15_000,
    process,
  );
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
