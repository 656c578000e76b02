// The gateway's prediction log (libs/site-telemetry): on at a leaf site (AVIARY_SITE set), published through the
// gateway's own NATS connection, flushed before that connection drains; without a site, nothing is recorded.
import { NatsRpc } from '@aviary/messaging';
import { jetStreamPublish, NO_PREDICTION_LOG, PredictionLog, SiteTelemetry } from '@aviary/site-telemetry';
import { createLogger } from '@aviary/telemetry';
import { BeforeApplicationShutdown, Inject, Injectable, Provider } from '@nestjs/common';
import { GATEWAY_CONFIG, GatewayConfig } from './config';

export const PREDICTION_LOG = Symbol('PREDICTION_LOG');

@Injectable()
class PredictionLogLifecycle implements BeforeApplicationShutdown {
  constructor(@Inject(PREDICTION_LOG) private readonly log: PredictionLog) {}

  async beforeApplicationShutdown(): Promise<void> {
    await this.log.close();
  }
}

export const predictionLogProviders: Provider[] = [
  {
    provide: PREDICTION_LOG,
    inject: [GATEWAY_CONFIG, NatsRpc],
    useFactory: (config: GatewayConfig, rpc: NatsRpc): PredictionLog =>
      config.AVIARY_SITE === undefined
        ? NO_PREDICTION_LOG
        : new SiteTelemetry({
            site: config.AVIARY_SITE,
            publish: jetStreamPublish(rpc.connection),
            log: createLogger('gateway'),
            sample: config.AVIARY_PREDICTION_LOG_SAMPLE,
            payloads: config.AVIARY_PREDICTION_LOG_PAYLOADS,
            summaryIntervalMs: config.AVIARY_TELEMETRY_SUMMARY_INTERVAL,
            capacity: config.AVIARY_TELEMETRY_BUFFER,
          }),
  },
  PredictionLogLifecycle,
];
