import { MessagingModule, NatsReadiness } from '@aviary/messaging';
import { HealthController, READINESS_CHECK } from '@aviary/telemetry';
import { DynamicModule, Module } from '@nestjs/common';
import { FlagsConfig } from './config';
import { FlagSets } from './flag-sets';

@Module({})
export class AppModule {
  static register(config: FlagsConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [MessagingModule.forRoot({ url: config.NATS_URL, service: 'flags' })],
      controllers: [HealthController],
      providers: [FlagSets, NatsReadiness, { provide: READINESS_CHECK, useExisting: NatsReadiness }],
    };
  }
}
