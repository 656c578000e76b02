// gateway: the public door. REST (Fastify) and gRPC in front of the services on NATS.
import 'reflect-metadata';
import { runService } from '@aviary/telemetry';
import { AppModule } from './app.module';
import { loadGatewayConfig } from './config';

runService('gateway', () => {
  const config = loadGatewayConfig();
  return {
    module: AppModule.register(config),
    port: config.AVIARY_HTTP_PORT,
    host: config.AVIARY_HOST,
    fastify: { bodyLimit: config.AVIARY_MAX_BODY_BYTES },
  };
});
