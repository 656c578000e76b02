import { MessagingModule, NatsReadiness } from '@aviary/messaging';
import { HealthController, READINESS_CHECK } from '@aviary/telemetry';
import { DynamicModule, Module } from '@nestjs/common';
import { PREPROCESSOR_CONFIG, PreprocessorConfig } from './config';
import { FeatureToggles } from './feature-toggles';
import { PredictServer } from './predict.server';
import { VersionInference } from './version-inference';
import { VersionPipelines } from './version-pipelines';

@Module({})
export class AppModule {
  static register(config: PreprocessorConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [MessagingModule.forRoot({ url: config.NATS_URL, service: 'preprocessor' })],
      controllers: [HealthController],
      providers: [
        { provide: PREPROCESSOR_CONFIG, useValue: config },
        VersionPipelines,
        FeatureToggles,
        VersionInference,
        PredictServer,
        NatsReadiness,
        { provide: READINESS_CHECK, useExisting: NatsReadiness },
      ],
    };
  }
}
