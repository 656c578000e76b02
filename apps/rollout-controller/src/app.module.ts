import { MessagingModule, NatsReadiness } from '@aviary/messaging';
import { HealthController, READINESS_CHECK } from '@aviary/telemetry';
import { DynamicModule, Module } from '@nestjs/common';
import { RolloutControllerConfig } from './config';
import { ServingStatus } from './serving-status';

@Module({})
export class AppModule {
  static register(config: RolloutControllerConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [MessagingModule.forRoot({ url: config.NATS_URL, service: 'rollout-controller' })],
      controllers: [HealthController],
      providers: [ServingStatus, NatsReadiness, { provide: READINESS_CHECK, useExisting: NatsReadiness }],
    };
  }
}
