// `npm start`: the whole platform without Docker. Uses NATS_URL when set, otherwise starts nats-server
// (JetStream in $AVIARY_DATA_DIR/nats, ./data/nats by default); pushes the demo models, starts every service with prefixed logs, and stops
// everything it started on Ctrl-C or SIGTERM.
import { startStack, workspaceRoot } from '@aviary/supervisor';
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { loadStackConfig } from './config';

async function main(): Promise<void> {
  const config = loadStackConfig();
  const root = workspaceRoot();
  const natsStoreDir = join(resolve(root, config.AVIARY_DATA_DIR), 'nats');
  if (!config.NATS_URL) mkdirSync(natsStoreDir, { recursive: true });
  const httpPort = config.AVIARY_HTTP_PORT;
  const grpcPort = config.AVIARY_GRPC_PORT;
  const stack = await startStack({
    natsUrl: config.NATS_URL,
    natsStoreDir,
    // The CLI's default NATS_URL points here, so `npx aviary models list` works against this stack as it is.
    natsPort: config.AVIARY_NATS_PORT,
    httpPort,
    grpcPort,
    echo: process.stdout,
    // Services bind where the user asks (0.0.0.0 by default, like the containers); the stack only defaults to loopback for tests.
    env: { AVIARY_HOST: config.AVIARY_HOST },
  });
  console.log(
    `\naviary is up: REST http://127.0.0.1:${httpPort}  gRPC 127.0.0.1:${grpcPort}  NATS ${stack.natsUrl}  (Ctrl-C stops it)\n`,
  );

  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    console.log('\nstopping aviary ...');
    await stack.stop();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop());
  process.on('SIGTERM', () => void stop());
  // A service that dies on its own takes the whole foreground stack down, like compose without restarts would show.
  for (const p of stack.processes) {
    void p.exited.then((code) => {
      if (!stopping) {
        console.error(`${p.name} exited with code ${code}; stopping everything`);
        void stop();
      }
    });
  }
}

main().catch((error: Error) => {
  console.error(`aviary failed to start: ${error.message}`);
  process.exit(1);
});
