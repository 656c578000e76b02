// `npm start`: the whole platform without Docker. Uses NATS_URL when set, otherwise starts nats-server
// (JetStream in $AVIARY_DATA_DIR/nats, ./data/nats by default); pushes the demo models, starts every service with prefixed logs, and stops
// everything it started on Ctrl-C or SIGTERM.
import { startStack, workspaceRoot } from '@aviary/supervisor';
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';

async function main(): Promise<void> {
  const root = workspaceRoot();
  const natsStoreDir = join(resolve(root, process.env.AVIARY_DATA_DIR ?? 'data'), 'nats');
  if (!process.env.NATS_URL) mkdirSync(natsStoreDir, { recursive: true });
  const httpPort = Number(process.env.AVIARY_HTTP_PORT ?? 8080);
  const grpcPort = Number(process.env.AVIARY_GRPC_PORT ?? 8081);
  const stack = await startStack({
    natsUrl: process.env.NATS_URL,
    natsStoreDir,
    // The CLI's default NATS_URL points here, so `npx aviary models list` works against this stack as it is.
    natsPort: Number(process.env.AVIARY_NATS_PORT ?? 4222),
    httpPort,
    grpcPort,
    echo: process.stdout,
    // Services bind where the user asks (0.0.0.0 by default, like the containers); the stack only defaults to loopback for tests.
    env: { AVIARY_HOST: process.env.AVIARY_HOST ?? '0.0.0.0' },
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
