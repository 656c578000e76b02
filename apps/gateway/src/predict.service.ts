// The predict use case: raw records -> the preprocessor, which runs the version's feature spec, calls inference and
// answers one prediction per record. Requests for the same version that arrive together share one call.
import { ModelManifest, PredictResponse, RequestContext, versionKey } from '@aviary/contracts';
import { MicroBatcher } from '@aviary/inference-engine';
import { Picked, PredictionLog } from '@aviary/site-telemetry';
import { batchSizeCounter, currentTraceId, runForRequests } from '@aviary/telemetry';
import { Inject, Injectable } from '@nestjs/common';
import { Context, context } from '@opentelemetry/api';
import { GATEWAY_CONFIG, GatewayConfig } from './config';
import { ModelRouter } from './model-router';
import { ModelServices } from './model-services';
import { PREDICTION_LOG } from './prediction-log';
import { ShadowTraffic } from './shadow-traffic';
import { observeArm } from './variant-metrics';

const batchRequests = batchSizeCounter(
  'aviary_predict_batched_requests_total',
  'Predict requests by the size of the batch they joined',
);

interface PredictItem {
  manifest: ModelManifest;
  records: unknown[];
  /** The request's evaluation context, for the preprocessor's feature toggles. */
  flagContext: RequestContext;
  /** The request's trace context: a lone request runs in it, a batch span links it. */
  context: Context;
}

@Injectable()
export class PredictService {
  /** One batcher for all versions, keyed by version: a batch holds no state once it has run. */
  private readonly batcher: MicroBatcher<PredictItem, unknown[]>;

  constructor(
    private readonly router: ModelRouter,
    private readonly services: ModelServices,
    private readonly shadow: ShadowTraffic,
    @Inject(GATEWAY_CONFIG) config: GatewayConfig,
    @Inject(PREDICTION_LOG) private readonly log: PredictionLog,
  ) {
    this.batcher = new MicroBatcher((items) => this.runBatch(items), {
      keyOf: (item) => versionKey(item.manifest.name, item.manifest.version),
      limits: [{ max: config.AVIARY_PREDICT_MAX_BATCH, weigh: (item) => item.records.length }],
    });
  }

  predict(
    model: string,
    instances: unknown[],
    version: string | undefined,
    flagContext: RequestContext,
  ): Promise<PredictResponse> {
    return this.log.observe(
      { model, version, inputs: instances },
      (picked) => this.routed(model, instances, version, flagContext, picked),
      (response) => response.predictions,
    );
  }

  private async routed(
    model: string,
    instances: unknown[],
    version: string | undefined,
    flagContext: RequestContext,
    picked: Picked,
  ): Promise<PredictResponse> {
    const { manifest, variant } = this.router.route(model, version, flagContext);
    picked({ model: manifest.name, version: manifest.version, variant });
    const item = { manifest, records: instances, flagContext, context: context.active() };
    const predictions = variant === undefined ? await this.batcher.submit(item) : await this.armed(item, variant);
    if (version === undefined) this.mirror(item, predictions);
    return {
      model: manifest.name,
      version: manifest.version,
      ...(variant !== undefined && { variant }),
      traceId: currentTraceId() ?? '',
      predictions,
    };
  }

  /** The shadow copy of an unversioned predict, when the model's shadow flag picks it; off the response's path. */
  private mirror(item: PredictItem, predictions: unknown[]): void {
    const { name: model, version: stable } = item.manifest;
    const candidate = this.shadow.candidateFor(model, stable, item.flagContext);
    if (candidate === undefined) return;
    this.shadow.mirror({ model, stable, candidate, predictions }, (manifest) =>
      this.batcher.submit({ ...item, manifest }),
    );
  }

  /** A flag-routed predict, observed for its variant's A/B metrics. */
  private async armed(item: PredictItem, variant: string): Promise<unknown[]> {
    const arm = { model: item.manifest.name, variant, version: item.manifest.version };
    const started = performance.now();
    try {
      const predictions = await this.batcher.submit(item);
      observeArm(arm, (performance.now() - started) / 1000, undefined, predictions);
      return predictions;
    } catch (failure) {
      observeArm(arm, (performance.now() - started) / 1000, failure);
      throw failure;
    }
  }

  private runBatch(items: PredictItem[]): Promise<unknown[][]> {
    batchRequests.observe(items.length);
    const [{ manifest }] = items;
    return runForRequests(
      `predict batch ${manifest.name}.${manifest.version}`,
      items.map((i) => i.context),
      async () => {
        const records = items.flatMap((i) => i.records);
        const contexts = items.some((i) => Object.keys(i.flagContext).length > 0)
          ? items.map((i) => ({ context: i.flagContext, records: i.records.length }))
          : undefined;
        const predictions = await this.services.predict(manifest.name, manifest.version, records, contexts);
        let offset = 0;
        return items.map((i) => predictions.slice(offset, (offset += i.records.length)));
      },
    );
  }
}
