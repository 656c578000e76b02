// flags: flagd-compatible flag sets from KV, evaluated over NATS.
import 'reflect-metadata';
import { runService } from '@aviary/telemetry';
import { AppModule } from './app.module';
import { loadFlagsConfig } from './config';

runService('flags', () => {
  const config = loadFlagsConfig();
  return { config, module: AppModule.register(config), port: config.AVIARY_HTTP_PORT, host: config.AVIARY_HOST };
});
