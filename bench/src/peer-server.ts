// The peer (peer-app.ts) as its own process, on the bundle the gateway serves; started by the bench (peer.ts):
// node dist/bench/src/peer-server.js --models-dir DIR --model NAME --version V --port P
import { parseArgs } from 'node:util';
import { loadBundle } from './baseline';
import { peerApp } from './peer-app';

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      'models-dir': { type: 'string' },
      model: { type: 'string' },
      version: { type: 'string' },
      port: { type: 'string' },
    },
  });
  const { 'models-dir': modelsDir, model, version } = values;
  const port = Number(values.port);
  if (!modelsDir || !model || !version || !Number.isInteger(port))
    throw new Error('usage: peer-server.js --models-dir DIR --model NAME --version V --port P');
  // The same bundle and session settings as the in-process baseline.
  const bundle = await loadBundle({ modelsDir, model, version });
  const app = peerApp({ bundle, model, version });
  await app.listen({ host: '127.0.0.1', port });

  const stop = () => {
    app
      .close()
      .then(() => bundle.session.release())
      .then(
        () => process.exit(0),
        () => process.exit(1),
      );
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

main().catch((error: unknown) => {
  console.error(`peer failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
