// gateway: the public door. REST (Fastify) and gRPC in front of the services on NATS.
import 'reflect-metadata';
import { runService } from '@aviary/telemetry';
import { AppModule } from './app.module';
import { loadGatewayConfig } from './config';
import { ModelCatalog } from './model-catalog';
import { DirectRoutes, serverWithDirectRoutes } from './rest/direct-routes';
import { installRequestTelemetry } from './rest/request-telemetry';

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
      installRequestTelemetry(fastify, (name) => catalog.has(name));
    },
  };
});
