// Serves aviary.v1.predict.<model>.<version>: raw records → the version's input tensors → inference → one
// prediction per record, as KServe's transformer does; the gateway never handles tensors on this path. The
// preprocessor is inference's publisher, so a version no replica serves is UNAVAILABLE at once (no-responders).
import {
  AviaryError,
  decodeTensors,
  encodeTensors,
  parseOrThrow,
  PredictRecords,
  predictRecordsSchema,
  PredictRecordsReply,
  predictVersionsSchema,
  PredictVersionsReply,
  queueGroups,
  subjects,
  toAviaryError,
} from '@aviary/contracts';
import { isClassPrediction, RecordPrediction, VersionPipeline } from '@aviary/features';
import { decodeJson, encodeJson, NatsRpc } from '@aviary/messaging';
import { counter, createLogger, latencyHistogram, scoreHistogram } from '@aviary/telemetry';
import { Injectable, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { Subscription } from 'nats';
import { FeatureToggles } from './feature-toggles';
import { VersionInference, InferCall } from './version-inference';
import { VersionPipelines } from './version-pipelines';

const log = createLogger('preprocessor');
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
  private readonly subscriptions: Subscription[] = [];

  constructor(
    private readonly rpc: NatsRpc,
    private readonly pipelines: VersionPipelines,
    private readonly toggles: FeatureToggles,
    private readonly inference: VersionInference,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.pipelines.start();
    await this.toggles.start();
    this.subscriptions.push(
      await this.rpc.serve(subjects.predict('*', '*'), queueGroups.preprocessor, async (request, span) => {
        const [model, version] = subjects.modelAndVersion(request.subject);
        span.setAttributes({ 'aviary.model': model, 'aviary.version': version });
        const records = parseOrThrow(
          predictRecordsSchema,
          decodeJson(request.data, 'predict request'),
          'predict request',
        );
        return encodeJson(await this.predict(model, version, records));
      }),
      await this.rpc.serve(subjects.predictVersions('*'), queueGroups.preprocessor, (request, span) => {
        const model = request.subject.split('.').pop() as string;
        span.setAttributes({ 'aviary.model': model });
        return this.predictVersions(model, request.data, span.spanContext().traceId);
      }),
    );
  }

  async onApplicationShutdown(): Promise<void> {
    await Promise.all(this.subscriptions.map((s) => this.rpc.unserve(s)));
    this.pipelines.stop();
    this.toggles.stop();
  }

  /** Every version at once, each answered on its own: one version's failure is its requests' alone. */
  private async predictVersions(model: string, body: Uint8Array, traceId: string): Promise<Uint8Array> {
    const { versions } = parseOrThrow(predictVersionsSchema, decodeJson(body, 'predict request'), 'predict request');
    const prepared = await Promise.allSettled(versions.map((v) => this.prepare(model, v.version, v.request)));
    const ready = prepared.flatMap((p) => (p.status === 'fulfilled' ? [p.value] : []));
    const inferred = this.inference.inferAll(model, ready);
    const replies = new Map(ready.map((p, i) => [p, inferred[i]]));
    const answers = await Promise.all(
      prepared.map(async (p, i) => {
        try {
          if (p.status === 'rejected') throw p.reason;
          return this.answer(p.value, await (replies.get(p.value) as Promise<Uint8Array>));
        } catch (failure) {
          const { version } = versions[i];
          if (!(failure instanceof AviaryError))
            log.error({ err: failure, model, version }, 'unexpected predict failure');
          const { code, message } = toAviaryError(failure, { log: 'the preprocessor log', traceId });
          return { error: { code, message } };
        }
      }),
    );
    const reply: PredictVersionsReply = { versions: answers };
    return encodeJson(reply);
  }

  private async predict(model: string, version: string, request: PredictRecords): Promise<PredictRecordsReply> {
    const prepared = await this.prepare(model, version, request);
    return this.answer(prepared, await this.inference.infer(model, prepared));
  }

  /** The version's input tensors for the records, encoded for inference. */
  private async prepare(model: string, version: string, request: PredictRecords): Promise<Prepared> {
    const labels = { model, version };
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
    return { model, version, pipeline, inputs: encodeTensors(inputs) };
  }

  private answer({ model, version, pipeline }: Prepared, reply: Uint8Array): PredictRecordsReply {
    const predictions = pipeline.toPredictions(decodeTensors(reply).tensors);
    observe({ model, version }, predictions);
    return { predictions };
  }
}

interface Prepared extends InferCall {
  model: string;
  pipeline: VersionPipeline;
}

function observe(labels: { model: string; version: string }, predictions: readonly RecordPrediction[]): void {
  for (const p of predictions) {
    // Regression values get no histogram: their range depends on the model, so no fixed buckets would fit.
    if (!isClassPrediction(p)) continue;
    predictionsTotal.inc({ ...labels, label: p.label });
    predictionScore.observe(labels, p.probability);
  }
}
