import { MessagingModule } from '@aviary/messaging';
import { HealthController, READINESS_CHECK } from '@aviary/telemetry';
import { DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { GATEWAY_CONFIG, GatewayConfig } from './config';
import { GatewayFlagSets } from './gateway-flag-sets';
import { GrpcInferenceServer } from './grpc/grpc-inference.server';
import { InferenceService } from './inference.service';
import { ModelCatalog } from './model-catalog';
import { ModelRouter } from './model-router';
import { ModelServices } from './model-services';
import { PredictService } from './predict.service';
import { GatewayReadiness } from './readiness';
import { VariantMetricsServer } from './variant-metrics';
import { ShadowTraffic } from './shadow-traffic';
import { ErrorFilter } from './rest/error.filter';
import { DirectRoutes } from './rest/direct-routes';
import { Ofrep } from './rest/ofrep';
import { FlagSetsController } from './rest/flag-sets.controller';
import { flagSetAdminProvider } from './flag-set-admin';
import { rolloutAdminProviders } from './rollout-admin';
import { RolloutsController, ServingController, YamlBodies } from './rest/rollouts.controller';
import { BatchController, BatchDoor } from './rest/batch.controller';
import { predictionLogProviders } from './prediction-log';

@Module({})
export class AppModule {
  static register(config: GatewayConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [MessagingModule.forRoot({ url: config.NATS_URL, service: 'gateway' })],
      controllers: [HealthController, FlagSetsController, RolloutsController, ServingController, BatchController],
      providers: [
        { provide: GATEWAY_CONFIG, useValue: config },
        ModelServices,
        ModelCatalog,
        GatewayFlagSets,
        ModelRouter,
        VariantMetricsServer,
        ShadowTraffic,
        flagSetAdminProvider,
        ...rolloutAdminProviders,
        ...predictionLogProviders,
        InferenceService,
        PredictService,
        Ofrep,
        DirectRoutes,
        GrpcInferenceServer,
        GatewayReadiness,
        BatchDoor,
        YamlBodies,
        { provide: READINESS_CHECK, useExisting: GatewayReadiness },
        { provide: APP_FILTER, useClass: ErrorFilter },
      ],
    };
  }
}
