// rollout-controller: progressive delivery (canary rollouts driven by analysis, one leader among replicas) and the
// serving report.
import 'reflect-metadata';
import { runService } from '@aviary/telemetry';
import { AppModule } from './app.module';
import { loadRolloutControllerConfig } from './config';

runService('rollout-controller', () => {
  const config = loadRolloutControllerConfig();
  return { config, module: AppModule.register(config), port: config.AVIARY_HTTP_PORT, host: config.AVIARY_HOST };
});
