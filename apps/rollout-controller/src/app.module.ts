import { MessagingModule, NatsReadiness } from '@aviary/messaging';
import { HealthController, READINESS_CHECK } from '@aviary/telemetry';
import { DynamicModule, Module } from '@nestjs/common';
import { ROLLOUT_CONTROLLER_CONFIG, RolloutControllerConfig } from './config';
import { RolloutNotifier } from './rollout-notifier';
import { RolloutReconciler } from './rollout-reconciler';
import { ServingStatus } from './serving-status';

@Module({})
export class AppModule {
  static register(config: RolloutControllerConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [MessagingModule.forRoot({ url: config.NATS_URL, service: 'rollout-controller' })],
      controllers: [HealthController],
      providers: [
        { provide: ROLLOUT_CONTROLLER_CONFIG, useValue: config },
        ServingStatus,
        RolloutReconciler,
        RolloutNotifier,
        NatsReadiness,
        { provide: READINESS_CHECK, useExisting: NatsReadiness },
      ],
    };
  }
}
