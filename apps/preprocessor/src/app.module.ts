import { MessagingModule, NatsReadiness } from '@aviary/messaging';
import { HealthController, READINESS_CHECK } from '@aviary/telemetry';
import { DynamicModule, Module } from '@nestjs/common';
import { PreprocessorConfig } from './config';
import { FeaturePipelines } from './feature-pipelines';


@Module({})
export class AppModule {
  static register(config: PreprocessorConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [MessagingModule.forRoot({ url: config.NATS_URL, service: 'preprocessor' })],
      controllers: [HealthController],
      providers: [FeaturePipelines, NatsReadiness, { provide: READINESS_CHECK, useExisting: NatsReadiness }],
    };
  }
}
