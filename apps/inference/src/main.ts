// inference: ONNX Runtime over NATS, one queue-group subject per model version.
import 'reflect-metadata';
import { runService } from '@aviary/telemetry';
import { AppModule } from './app.module';
import { loadInferenceConfig } from './config';

runService('inference', () => {
  const config = loadInferenceConfig();
  return { config, module: AppModule.register(config), port: config.AVIARY_HTTP_PORT, host: config.AVIARY_HOST };
});
