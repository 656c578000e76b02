import { MessagingModule, NatsReadiness } from '@aviary/messaging';
import { HealthController, READINESS_CHECK } from '@aviary/telemetry';
import { DynamicModule, Module } from '@nestjs/common';
import { batchBackendsProvider } from './batch-backends';
import { BATCH_WORKER_CONFIG, BatchWorkerConfig } from './config';
import { ScheduleTicker } from './schedule-ticker';
import { WorkQueue } from './work-queue';

@Module({})
export class AppModule {
  static register(config: BatchWorkerConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        MessagingModule.forRoot({
          url: config.NATS_URL,
          service: 'batch-worker',
          connectionName: `batch-worker-${config.AVIARY_REPLICA_ID}`,
        }),
      ],
      controllers: [HealthController],
      providers: [
        { provide: BATCH_WORKER_CONFIG, useValue: config },
        batchBackendsProvider,
        WorkQueue,
        ScheduleTicker,
        NatsReadiness,
        { provide: READINESS_CHECK, useExisting: NatsReadiness },
      ],
    };
  }
}
