// preprocessor: declarative feature pipelines over NATS.
import 'reflect-metadata';
import { runService } from '@aviary/telemetry';
import { AppModule } from './app.module';
import { loadPreprocessorConfig } from './config';

runService('preprocessor', () => {
  const config = loadPreprocessorConfig();
  return { config, module: AppModule.register(config), port: config.AVIARY_HTTP_PORT, host: config.AVIARY_HOST };
});
