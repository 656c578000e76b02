// Serves aviary.v1.predict.<model>.<version>: raw records → the version's input tensors → inference → one
// prediction per record, as KServe's transformer does; the gateway never handles tensors on this path. The
// preprocessor is inference's publisher, so a version no replica serves is UNAVAILABLE at once (no-responders).
import {
  AviaryError,
  decodeTensors,
  encodeTensors,
  parseOrThrow,
  predictRecordsSchema,
  PredictRecordsReply,
  queueGroups,
  subjects,
} from '@aviary/contracts';
import { isClassPrediction, RecordPrediction } from '@aviary/features';
import { decodeJson, encodeJson, NatsRpc } from '@aviary/messaging';
import { counter, latencyHistogram, scoreHistogram } from '@aviary/telemetry';
import { Inject, Injectable, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { Subscription } from 'nats';
import { PREPROCESSOR_CONFIG, PreprocessorConfig } from './config';
import { FeatureToggles } from './feature-toggles';
import { VersionPipelines } from './version-pipelines';

const records = counter('aviary_preprocessed_records_total', 'Records turned into tensors, by model and version', [
  'model',
  'version',
]);
const featureLatency = latencyHistogram(
  'aviary_preprocess_duration_seconds',
  'Time to apply a feature spec to one request',
  ['model', 'version'],
);
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
export class PredictServer implements OnApplicationBootstrap, OnApplicationShutdown {
  private subscription?: Subscription;

  constructor(
    private readonly rpc: NatsRpc,
    private readonly pipelines: VersionPipelines,
    private readonly toggles: FeatureToggles,
    @Inject(PREPROCESSOR_CONFIG) private readonly config: PreprocessorConfig,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.pipelines.start();
    await this.toggles.start();
    this.subscription = await this.rpc.serve(subjects.predict('*', '*'), queueGroups.preprocessor, (request, span) => {
      const [model, version] = subjects.modelAndVersion(request.subject);
      span.setAttributes({ 'aviary.model': model, 'aviary.version': version });
      return this.predict(model, version, request.data);
    });
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.subscription) await this.rpc.unserve(this.subscription);
    this.pipelines.stop();
    this.toggles.stop();
  }

  private async predict(model: string, version: string, body: Uint8Array): Promise<Uint8Array> {
    const labels = { model, version };
    const request = parseOrThrow(predictRecordsSchema, decodeJson(body, 'predict request'), 'predict request');
    const pipeline = await this.pipelines.of(model, version);
    const stopTimer = featureLatency.startTimer(labels);
    let inputs;
    try {
      // A version without toggles never evaluates a flag.
      const runs =
        pipeline.toggles.length === 0
          ? undefined
          : this.toggles.runs({
              model,
              version,
              toggles: pipeline.toggles,
              records: request.records.length,
              contexts: request.contexts,
            });
      inputs = pipeline.toTensors(request.records, runs);
    } finally {
      stopTimer();
    }
    records.inc(labels, request.records.length);
    const reply = await this.rpc
      .request(subjects.infer(model, version), encodeTensors(inputs), {
        timeoutMs: this.config.AVIARY_REQUEST_TIMEOUT_MS,
      })
      .catch((e: unknown) => {
        // The records passed the version's own feature spec, so a model that rejects the tensors built from them is
        // the version's fault (a server error, which rollout analysis counts), not the caller's.
        if (e instanceof AviaryError && e.code === 'INVALID_ARGUMENT')
          throw new AviaryError(`${model} version ${version} failed on valid records: ${e.message}`, 'INTERNAL');
        throw e;
      });
    const predictions = pipeline.toPredictions(decodeTensors(reply).tensors);
    observe(labels, predictions);
    const answer: PredictRecordsReply = { predictions };
    return encodeJson(answer);
  }
}

function observe(labels: { model: string; version: string }, predictions: readonly RecordPrediction[]): void {
  for (const p of predictions) {
    // Regression values get no histogram: their range depends on the model, so no fixed buckets would fit.
    if (!isClassPrediction(p)) continue;
    predictionsTotal.inc({ ...labels, label: p.label });
    predictionScore.observe(labels, p.probability);
  }
}
