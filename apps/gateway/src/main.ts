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
    configure: (app) => {
      // The OIP binary tensor data extension: JSON header + raw bytes, split by the controller.
      app
        .getHttpAdapter()
        .getInstance()
        .addContentTypeParser('application/octet-stream', { parseAs: 'buffer' }, (_request, body, done) =>
          done(null, body),
        );
    },
  };
});
