// The OFREP peer: the least an HTTP server can do for a single-flag OFREP request — one Fastify app that parses the
// body and answers one fixed evaluation — so the bench shows what the gateway's evaluation and routing add.
// As its own process: node dist/bench/src/ofrep-peer.js --port P
import { fastify, FastifyInstance } from 'fastify';
import { parseArgs } from 'node:util';

export const OFREP_PEER_ANSWER = { value: true, reason: 'STATIC', variant: 'on', metadata: {} };

export function ofrepPeerApp(): FastifyInstance {
  const app = fastify();
  app.get('/health/ready', async () => ({ status: 'ok' }));
  app.post<{ Params: { key: string } }>('/ofrep/v1/evaluate/flags/:key', async (request) => ({
    key: request.params.key,
    ...OFREP_PEER_ANSWER,
  }));
  return app;
}

async function main(): Promise<void> {
  const port = Number(parseArgs({ options: { port: { type: 'string' } } }).values.port);
  if (!Number.isInteger(port)) throw new Error('usage: ofrep-peer.js --port P');
  const app = ofrepPeerApp();
  await app.listen({ host: '127.0.0.1', port });
  const stop = () => {
    app.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(`OFREP peer failed: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  });
}
