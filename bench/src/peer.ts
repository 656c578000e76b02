// Starts the peer (peer-server.ts) as its own process on a free loopback port, on the bundle the gateway serves.
import { freePort, ManagedProcess, spawnManaged, waitFor, workspaceRoot } from '@aviary/testing';
import { join } from 'node:path';

export interface Peer {
  httpUrl: string;
  process: ManagedProcess;
}

export async function startPeer(options: { modelsDir: string; model: string; version: string }): Promise<Peer> {
  const port = await freePort();
  const args = [
    join(__dirname, 'peer-server.js'),
    ...['--models-dir', options.modelsDir, '--model', options.model, '--version', options.version],
    ...['--port', String(port)],
  ];
  const peer = spawnManaged('peer', process.execPath, args, { cwd: workspaceRoot() });
  const httpUrl = `http://127.0.0.1:${port}`;
  try {
    await waitFor('the peer to listen', async () => (await fetch(`${httpUrl}/health/ready`)).ok, 60_000, peer);
  } catch (e) {
    await peer.stop();
    throw e;
  }
  return { httpUrl, process: peer };
}
