// Serves aviary.v1.preprocess.<model>.<version>: raw records in, the model's input tensors out, by the
// feature spec bundled with that version (the same code the training script fitted it with).
import { encodeTensors, PreprocessRequest, queueGroups, subjects, Tensor } from '@aviary/contracts';

type RecordsToTensors = (records: unknown[]) => Tensor[];
import { applyFeatureSpec, parseFeatureSpec, recordsToTensors } from '@aviary/features';
import { decodeJson, NatsRpc } from '@aviary/messaging';
import { ManifestCache, ModelRegistry } from '@aviary/model-registry';
import { counter, createLogger, latencyHistogram } from '@aviary/telemetry';
import { Injectable, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { Subscription } from 'nats';

const log = createLogger('preprocessor');
const rows = counter('aviary_preprocessed_records_total', 'Records turned into tensors, by model and version', [
  'model',
  'version',
]);
const latency = latencyHistogram('aviary_preprocess_duration_seconds', 'Time to apply a feature spec to one request', [
  'model',
  'version',
]);

@Injectable()
export class FeaturePipelines implements OnApplicationBootstrap, OnApplicationShutdown {
  private manifests!: ManifestCache;
  private readonly pipelines = new Map<string, RecordsToTensors>();
  private subscription?: Subscription;

  constructor(private readonly rpc: NatsRpc) {}

  async onApplicationBootstrap(): Promise<void> {
    this.manifests = new ManifestCache(
      await ModelRegistry.open(this.rpc.connection, (problem) => log.warn(problem)),
    );
    // A replaced or deleted version must not keep its old spec.
    this.manifests.onChange((change) =>
      this.pipelines.delete(
        change.kind === 'put'
          ? `${change.manifest.name}.${change.manifest.version}`
          : `${change.name}.${change.version}`,
      ),
    );
    await this.manifests.start();
    this.subscription = await this.rpc.serve(
      subjects.preprocess('*', '*'),
      queueGroups.preprocessor,
      async (request, span) => {
        const [model, version] = subjects.modelAndVersion(request.subject);
        span.setAttributes({ 'aviary.model': model, 'aviary.version': version });
        const { records } = decodeJson(request.data, 'preprocess request') as PreprocessRequest;
        return this.preprocess(model, version, records);
      },
    );
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.subscription) await this.rpc.unserve(this.subscription);
    this.manifests?.stop();
  }

  private async preprocess(model: string, version: string, records: unknown[]): Promise<Uint8Array> {
    const stopTimer = latency.startTimer({ model, version });
    const toTensors = await this.pipelineFor(model, version);
    const tensors = toTensors(records);
    rows.inc({ model, version }, records.length);
    stopTimer();
    return encodeTensors(tensors);
  }

  /** The version's feature spec; without one, each record's keys are matched to the model's inputs. */
  private async pipelineFor(model: string, version: string): Promise<RecordsToTensors> {
    const key = `${model}.${version}`;
    const cached = this.pipelines.get(key);
    if (cached) return cached;
    const manifest = await this.manifests.resolve(model, version);
    const spec = manifest.featureSpec === undefined ? undefined : parseFeatureSpec(manifest.featureSpec);
    const pipeline: RecordsToTensors = spec
      ? (records) => applyFeatureSpec(spec, records)
      : (records) => recordsToTensors(manifest.inputs, records);
    this.pipelines.set(key, pipeline);
    return pipeline;
  }
}
