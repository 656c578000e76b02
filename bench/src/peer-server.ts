// The peer the bench measures Aviary against: what a user would write instead — one Fastify process that applies
// the model's feature spec and runs ONNX Runtime for each predict request as it comes (no micro-batching).
// Started by the bench: node dist/bench/src/peer-server.js --models-dir DIR --model NAME --version V --port P
import { AviaryError } from '@aviary/contracts';
import { applyFeatureSpec, interpretOutputs } from '@aviary/features';
import { fastify } from 'fastify';
import { parseArgs } from 'node:util';
import { loadBundle } from './baseline';

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
  const { spec, session } = await loadBundle({ modelsDir, model, version });

  const app = fastify();
  app.get('/health/ready', async () => ({ status: 'ok' }));
  app.post<{ Params: { model: string }; Body: { instances?: unknown } }>(
    '/v1/models/:model/predict',
    async (request, reply) => {
      if (request.params.model !== model)
        return reply.code(404).send({ error: `model "${request.params.model}" is not served here` });
      const instances = request.body?.instances;
      if (!Array.isArray(instances) || instances.length === 0)
        return reply.code(400).send({ error: '"instances" must be a non-empty array of records' });
      try {
        const outputs = await session.run(applyFeatureSpec(spec, instances));
        return { model, version, predictions: interpretOutputs(spec, outputs) };
      } catch (e) {
        if (e instanceof AviaryError && e.code === 'INVALID_ARGUMENT')
          return reply.code(400).send({ error: e.message });
        throw e;
      }
    },
  );
  await app.listen({ host: '127.0.0.1', port });

  const stop = () => {
    app
      .close()
      .then(() => session.release())
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
