// The predict use case: raw records -> the preprocessor, which runs the version's feature spec, calls inference and
// answers one prediction per record. Requests for the same version that arrive together share one call.
import { ModelManifest, PredictResponse, versionKey } from '@aviary/contracts';
import { MicroBatcher } from '@aviary/inference-engine';
import { batchSizeCounter, currentTraceId, runForRequests } from '@aviary/telemetry';
import { Inject, Injectable } from '@nestjs/common';
import { Context, context } from '@opentelemetry/api';
import { GATEWAY_CONFIG, GatewayConfig } from './config';
import { ModelCatalog } from './model-catalog';
import { ModelServices } from './model-services';

const batchRequests = batchSizeCounter(
  'aviary_predict_batched_requests_total',
  'Predict requests by the size of the batch they joined',
);

interface PredictItem {
  manifest: ModelManifest;
  records: unknown[];
  /** The request's trace context: a lone request runs in it, a batch span links it. */
  context: Context;
}

@Injectable()
export class PredictService {
  /** One batcher for all versions, keyed by version: a batch holds no state once it has run. */
  private readonly batcher: MicroBatcher<PredictItem, unknown[]>;

  constructor(
    private readonly catalog: ModelCatalog,
    private readonly services: ModelServices,
    @Inject(GATEWAY_CONFIG) config: GatewayConfig,
  ) {
    this.batcher = new MicroBatcher((items) => this.runBatch(items), {
      keyOf: (item) => versionKey(item.manifest.name, item.manifest.version),
      limits: [{ max: config.AVIARY_PREDICT_MAX_BATCH, weigh: (item) => item.records.length }],
    });
  }

  async predict(model: string, instances: unknown[], version?: string): Promise<PredictResponse> {
    const manifest = this.catalog.resolve(model, version);
    const predictions = await this.batcher.submit({ manifest, records: instances, context: context.active() });
    return { model: manifest.name, version: manifest.version, traceId: currentTraceId() ?? '', predictions };
  }

  private runBatch(items: PredictItem[]): Promise<unknown[][]> {
    batchRequests.observe(items.length);
    const [{ manifest }] = items;
    return runForRequests(
      `predict batch ${manifest.name}.${manifest.version}`,
      items.map((i) => i.context),
      async () => {
        const records = items.flatMap((i) => i.records);
        const predictions = await this.services.predict(manifest.name, manifest.version, records);
        let offset = 0;
        return items.map((i) => predictions.slice(offset, (offset += i.records.length)));
      },
    );
  }
}
