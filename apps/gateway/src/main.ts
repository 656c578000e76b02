// gateway: the public door. REST (Fastify) and gRPC in front of the services on NATS.
import 'reflect-metadata';
import { installRequestTelemetry } from '@aviary/rest-door';
import { createLogger, runService } from '@aviary/telemetry';
import { AppModule } from './app.module';
import { loadGatewayConfig } from './config';
import { ModelCatalog } from './model-catalog';
import { DirectRoutes, serverWithDirectRoutes } from './rest/direct-routes';

runService('gateway', () => {
  const config = loadGatewayConfig();
  let direct: DirectRoutes | undefined;
  return {
    config,
    module: AppModule.register(config),
    port: config.AVIARY_HTTP_PORT,
    host: config.AVIARY_HOST,
    fastify: { bodyLimit: config.AVIARY_MAX_BODY_BYTES, serverFactory: serverWithDirectRoutes(() => direct) },
    configure: (app) => {
      direct = app.get(DirectRoutes);
      const fastify = app.getHttpAdapter().getInstance();
      const catalog = app.get(ModelCatalog);
      installRequestTelemetry(fastify, { isModel: (name) => catalog.has(name), log: createLogger('gateway') });
    },
  };
});
