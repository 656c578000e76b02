// The predict use case: raw records -> preprocessor -> inference -> one prediction per record.
// Requests for the same version that arrive together share one preprocess and one inference call.
import { ModelManifest, PredictResponse } from '@aviary/contracts';
import {
  ClassPrediction,
  FeatureSpec,
  interpretOutputs,
  parseFeatureSpec,
  Prediction,
  tensorsToRecords,
} from '@aviary/features';
import { MicroBatcher } from '@aviary/inference-engine';
import { batchSizeCounter, counter, currentTraceId, runForRequests, scoreHistogram } from '@aviary/telemetry';
import { Inject, Injectable } from '@nestjs/common';
import { Context, context } from '@opentelemetry/api';
import { GATEWAY_CONFIG, GatewayConfig } from './config';
import { ModelCatalog } from './model-catalog';
import { ModelServices } from './model-services';

// Per-version prediction metrics: what a rollout's analysis compares between a stable and a candidate version.
const predictionsTotal = counter('aviary_predictions_total', 'Predictions by model, version and predicted label', [
  'model',
  'version',
  'label',
]);
const predictionScore = scoreHistogram(
  'aviary_prediction_probability',
  'Probability of the predicted label (binary: of the positive class)',
  ['model', 'version'],
);
const batchRequests = batchSizeCounter(
  'aviary_predict_batched_requests_total',
  'Predict requests by the size of the batch they joined',
);

interface PredictItem {
  records: unknown[];
  /** The request's trace context: a lone request runs in it, a batch span links it. */
  context: Context;
}

@Injectable()
export class PredictService {
  /** Batchers by version sha256: manifests are immutable, so one batcher (and its parsed spec) per version. */
  private readonly batchers = new Map<string, MicroBatcher<PredictItem, PredictionRecord[]>>();

  constructor(
    private readonly catalog: ModelCatalog,
    private readonly services: ModelServices,
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
  ) {}

  async predict(model: string, instances: unknown[], version?: string): Promise<PredictResponse> {
    const manifest = this.catalog.resolve(model, version);
    const predictions = await this.batcherOf(manifest).submit({ records: instances, context: context.active() });
    for (const p of predictions) {
      if (!isClassification(p)) continue;
      predictionsTotal.inc({ model: manifest.name, version: manifest.version, label: p.label });
      predictionScore.observe({ model: manifest.name, version: manifest.version }, p.probability);
    }
    return { model: manifest.name, version: manifest.version, traceId: currentTraceId() ?? '', predictions };
  }

  private batcherOf(manifest: ModelManifest): MicroBatcher<PredictItem, PredictionRecord[]> {
    let batcher = this.batchers.get(manifest.sha256 + manifest.name + manifest.version);
    if (!batcher) {
      const spec = manifest.featureSpec === undefined ? undefined : parseFeatureSpec(manifest.featureSpec);
      batcher = new MicroBatcher((items) => this.runBatch(manifest, spec, items), {
        limits: [{ max: this.config.AVIARY_PREDICT_MAX_BATCH, weigh: (item) => item.records.length }],
      });
      this.batchers.set(manifest.sha256 + manifest.name + manifest.version, batcher);
    }
    return batcher;
  }

  private async runBatch(
    manifest: ModelManifest,
    spec: FeatureSpec | undefined,
    items: PredictItem[],
  ): Promise<PredictionRecord[][]> {
    batchRequests.observe(items.length);
    const call = async () => {
      const inputs = await this.services.preprocess(
        manifest.name,
        manifest.version,
        items.flatMap((i) => i.records),
      );
      const outputs = await this.services.infer(manifest.name, manifest.version, inputs);
      // With a spec: labels and probabilities by class name, or a regressor's value; without: each output's row.
      const predictions: PredictionRecord[] = spec ? interpretOutputs(spec, outputs) : tensorsToRecords(outputs);
      let offset = 0;
      return items.map((i) => predictions.slice(offset, (offset += i.records.length)));
    };
    return runForRequests(
      `predict batch ${manifest.name}.${manifest.version}`,
      items.map((i) => i.context),
      call,
    );
  }
}

type PredictionRecord = Prediction | Record<string, unknown>;

// Regression values get no histogram: their range depends on the model, so no fixed buckets would fit.
const isClassification = (p: PredictionRecord): p is ClassPrediction =>
  'probability' in p && typeof p.label === 'string' && typeof p.probability === 'number';
