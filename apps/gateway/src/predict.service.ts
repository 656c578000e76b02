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
import { counter, currentTraceId, scoreHistogram } from '@aviary/telemetry';
import { Inject, Injectable } from '@nestjs/common';
import { context, Link, trace } from '@opentelemetry/api';
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
const batchRequests = counter(
  'aviary_predict_batched_requests_total',
  'Predict requests by the size of the batch they joined',
  ['batch'],
);

interface PredictItem {
  records: unknown[];
  /** The request's span, linked from the batch span when the batch holds several requests. */
  link?: Link;
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
    const spanContext = trace.getSpanContext(context.active());
    const predictions = await this.batcherOf(manifest).submit({
      records: instances,
      link: spanContext && { context: spanContext },
    });
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
        maxWeight: this.config.AVIARY_PREDICT_MAX_BATCH,
        weigh: (item) => (item as PredictItem).records.length,
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
    batchRequests.inc({ batch: String(Math.min(items.length, 16)) + (items.length >= 16 ? '+' : '') });
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
    if (items.length === 1) return call();
    // Several requests share the downstream calls: one batch span, linked to every request it serves.
    const links = items.flatMap((i) => (i.link ? [i.link] : []));
    return trace
      .getTracer('aviary')
      .startActiveSpan(
        `predict batch ${manifest.name}.${manifest.version}`,
        { links, attributes: { 'aviary.batch.requests': items.length } },
        async (span) => {
          try {
            return await call();
          } finally {
            span.end();
          }
        },
      );
  }
}

type PredictionRecord = Prediction | Record<string, unknown>;

// Regression values get no histogram: their range depends on the model, so no fixed buckets would fit.
const isClassification = (p: PredictionRecord): p is ClassPrediction =>
  'probability' in p && typeof p.label === 'string' && typeof p.probability === 'number';
