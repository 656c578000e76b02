// The peer the bench measures Aviary against: what a user would write instead — one Fastify app that applies the
// model's feature spec and runs ONNX Runtime for each predict request as it comes (no micro-batching).
import { AviaryError } from '@aviary/contracts';
import { applyFeatureSpec, interpretOutputs } from '@aviary/features';
import { fastify, FastifyInstance } from 'fastify';
import type { ModelBundle } from './baseline';

export function peerApp(options: { bundle: ModelBundle; model: string; version: string }): FastifyInstance {
  const { bundle, model, version } = options;
  const { spec, session } = bundle;
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
  return app;
}
