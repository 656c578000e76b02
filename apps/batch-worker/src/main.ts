// batch-worker: scores batch-job chunks from the AVIARY_BATCH work queue, in-process, and assembles finished jobs.
import 'reflect-metadata';
import { runService } from '@aviary/telemetry';
import { AppModule } from './app.module';
import { loadBatchWorkerConfig } from './config';

runService('batch-worker', () => {
  const config = loadBatchWorkerConfig();
  return { config, module: AppModule.register(config), port: config.AVIARY_HTTP_PORT, host: config.AVIARY_HOST };
});
