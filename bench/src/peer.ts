// Starts a peer as its own process on a free loopback port: the predict peer (peer-server.ts) on the bundle the
// gateway serves, or the OFREP peer (ofrep-peer.ts).
import { freePort, ManagedProcess, spawnManaged, waitFor, workspaceRoot } from '@aviary/testing';
import { join } from 'node:path';

export interface Peer {
  httpUrl: string;
  process: ManagedProcess;
}

export function startPeer(options: { modelsDir: string; model: string; version: string }): Promise<Peer> {
  return spawnPeer('peer', 'peer-server.js', [
    ...['--models-dir', options.modelsDir, '--model', options.model, '--version', options.version],
  ]);
}

export function startOfrepPeer(): Promise<Peer> {
  return spawnPeer('ofrep-peer', 'ofrep-peer.js', []);
}

async function spawnPeer(name: string, script: string, args: string[]): Promise<Peer> {
  const port = await freePort();
  const peer = spawnManaged(name, process.execPath, [join(__dirname, script), ...args, '--port', String(port)], {
    cwd: workspaceRoot(),
  });
  const httpUrl = `http://127.0.0.1:${port}`;
  try {
    await waitFor(`the ${name} to listen`, async () => (await fetch(`${httpUrl}/health/ready`)).ok, 60_000, peer);
  } catch (e) {
    await peer.stop();
    throw e;
  }
  return { httpUrl, process: peer };
}
