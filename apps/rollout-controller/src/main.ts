// rollout-controller: progressive delivery; for now it reports which version of each model serves.
import 'reflect-metadata';
import { runService } from '@aviary/telemetry';
import { AppModule } from './app.module';
import { loadRolloutControllerConfig } from './config';

runService('rollout-controller', () => {
  const config = loadRolloutControllerConfig();
  return { config, module: AppModule.register(config), port: config.AVIARY_HTTP_PORT, host: config.AVIARY_HOST };
});
