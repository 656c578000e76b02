// The predict use case: raw records -> preprocessor -> inference -> one prediction per record.
import { AviaryError, PredictResponse } from '@aviary/contracts';
import { FeatureSpec, interpretOutputs, parseFeatureSpec } from '@aviary/features';
import { counter, currentTraceId, scoreHistogram } from '@aviary/telemetry';
import { Injectable } from '@nestjs/common';
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

@Injectable()
export class PredictService {
  /** Parsed specs by sha256: manifests are immutable, so a parse is valid for the version's lifetime. */
  private readonly specs = new Map<string, FeatureSpec>();

  constructor(
    private readonly catalog: ModelCatalog,
    private readonly services: ModelServices,
  ) {}

  async predict(model: string, instances: unknown[], version?: string): Promise<PredictResponse> {
    const manifest = this.catalog.resolve(model, version);
    const spec = this.specOf(manifest.sha256, manifest.featureSpec, `${model} version ${manifest.version}`);
    const inputs = await this.services.preprocess(manifest.name, manifest.version, instances);
    const outputs = await this.services.infer(manifest.name, manifest.version, inputs);
    const predictions = interpretOutputs(spec, outputs);
    for (const p of predictions) {
      predictionsTotal.inc({ model: manifest.name, version: manifest.version, label: p.label });
      predictionScore.observe({ model: manifest.name, version: manifest.version }, p.probability);
    }
    return { model: manifest.name, version: manifest.version, traceId: currentTraceId() ?? '', predictions };
  }

  private specOf(sha256: string, raw: unknown, what: string): FeatureSpec {
    let spec = this.specs.get(sha256);
    if (!spec) {
      if (raw === undefined) {
        throw new AviaryError(
          `${what} has no feature spec; send tensors to the Open Inference Protocol endpoint instead`,
          'FAILED_PRECONDITION',
        );
      }
      spec = parseFeatureSpec(raw);
      this.specs.set(sha256, spec);
    }
    return spec;
  }
}
