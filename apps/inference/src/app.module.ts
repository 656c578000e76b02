import { MessagingModule, NatsReadiness } from '@aviary/messaging';
import { HealthController, READINESS_CHECK } from '@aviary/telemetry';
import { DynamicModule, Module } from '@nestjs/common';
import { INFERENCE_CONFIG, InferenceConfig } from './config';
import { ModelHost } from './model-host';
import { InferenceReadiness } from './readiness';

@Module({})
export class AppModule {
  static register(config: InferenceConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        MessagingModule.forRoot({
          url: config.NATS_URL,
          service: 'inference',
          connectionName: `inference-${config.AVIARY_REPLICA_ID}`,
        }),
      ],
      controllers: [HealthController],
      providers: [
        { provide: INFERENCE_CONFIG, useValue: config },
        ModelHost,
        NatsReadiness,
        InferenceReadiness,
        { provide: READINESS_CHECK, useExisting: InferenceReadiness },
      ],
    };
  }
}
