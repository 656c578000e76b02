// Holds every registered model version in ONNX Runtime and serves each on its own NATS subject, and each model with a
// ready version on its infer-versions subject (several versions in one message, as a rollout's arms send them).
// A version subscribes only after it has loaded and answered a warm-up run, so no request meets a cold model.
import {
  AviaryError,
  decodeTensors,
  rejectionReason,
  encodeTensors,
  decodeVersionParts,
  encodeVersionParts,
  toAviaryError,
  VersionPart,
  ModelManifest,
  queueGroups,
  ReplicaStatus,
  ReplicaVersionStatus,
  subjects,
  versionKey,
} from '@aviary/contracts';
import { ModelSession } from '@aviary/inference-engine';
import { encodeJson, EMPTY_BODY, NatsRpc } from '@aviary/messaging';
import { ModelRegistry } from '@aviary/model-registry';
import { counter, createLogger, latencyHistogram } from '@aviary/telemetry';
import { Inject, Injectable, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { Subscription } from 'nats';
import { INFERENCE_CONFIG, InferenceConfig } from './config';
import { applyFault } from './fault-injection';

interface HostedVersion {
  status: ReplicaVersionStatus;
  sha256: string;
  session?: ModelSession;
  subscription?: Subscription;
}

export interface InferMeta {
  outputs?: string[];
}

const log = createLogger('inference');
const inferences = counter('aviary_inference_requests_total', 'Inference requests by model, version and outcome', [
  'model',
  'version',
  'outcome',
]);
const inferenceLatency = latencyHistogram('aviary_inference_duration_seconds', 'ONNX Runtime time per request', [
  'model',
  'version',
]);

@Injectable()
export class ModelHost implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly versions = new Map<string, HostedVersion>();
  private registry!: ModelRegistry;
  private watcher?: { stop(): void };
  private statusSubscription?: Subscription;
  /** Each model's infer-versions subscription: from its first ready version here until its last one leaves. */
  private readonly modelSubscriptions = new Map<string, Subscription>();
  /** Loads run one after another: each is CPU-bound and would only slow the others. */
  private loading: Promise<void> = Promise.resolve();

  constructor(
    private readonly rpc: NatsRpc,
    @Inject(INFERENCE_CONFIG) private readonly config: InferenceConfig,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    this.registry = await ModelRegistry.open(this.rpc.connection, (problem) => log.warn(problem));
    this.statusSubscription = await this.rpc.serve(subjects.inferenceStatus, undefined, async () =>
      encodeJson(this.status()),
    );
    this.watcher = await this.registry.watch((change) => {
      const key = versionKey(change.name, change.version);
      this.loading = this.loading.then(() => (change.kind === 'put' ? this.load(change.manifest) : this.unload(key)));
    });
  }

  async onApplicationShutdown(): Promise<void> {
    this.watcher?.stop();
    await this.loading;
    if (this.statusSubscription) await this.rpc.unserve(this.statusSubscription);
  }

  status(): ReplicaStatus {
    return { replica: this.config.AVIARY_REPLICA_ID, versions: [...this.versions.values()].map((v) => v.status) };
  }

  /** True once every version this replica knows of has either loaded or failed. */
  settled(): boolean {
    return [...this.versions.values()].every((v) => v.status.state !== 'loading');
  }

  private async load(manifest: ModelManifest): Promise<void> {
    const key = versionKey(manifest.name, manifest.version);
    if (rejectionReason(manifest)) return; // rejected by its quality gate: never loaded, so never routable
    const current = this.versions.get(key);
    if (current?.sha256 === manifest.sha256 && current.status.state === 'ready') return;
    if (current) await this.unload(key);
    const hosted: HostedVersion = {
      sha256: manifest.sha256,
      status: { model: manifest.name, version: manifest.version, state: 'loading' },
    };
    this.versions.set(key, hosted);
    try {
      const session = await ModelSession.load(await this.registry.fetchModel(manifest));
      await session.warmUp();
      if (this.config.AVIARY_FAULT_INJECTION.has(key))
        log.warn({ model: manifest.name, version: manifest.version }, 'faults are injected into this version');
      hosted.session = session;
      hosted.subscription = await this.rpc.serve(
        subjects.infer(manifest.name, manifest.version),
        queueGroups.inference,
        (request) =>
          request.op === 'ready' ? Promise.resolve(EMPTY_BODY) : this.infer(hosted.status, session, request.data),
      );
      hosted.status = { ...hosted.status, state: 'ready' };
      await this.serveModel(manifest.name);
      log.info({ model: manifest.name, version: manifest.version }, 'model version ready');
    } catch (e) {
      hosted.status = { ...hosted.status, state: 'failed', reason: (e as Error).message };
      log.error(
        { model: manifest.name, version: manifest.version, reason: (e as Error).message },
        'model version failed to load',
      );
    }
  }

  private async unload(key: string): Promise<void> {
    const hosted = this.versions.get(key);
    if (!hosted) return;
    this.versions.delete(key);
    if (hosted.subscription) await this.rpc.unserve(hosted.subscription);
    const { model } = hosted.status;
    const modelSubscription = this.modelSubscriptions.get(model);
    if (modelSubscription && ![...this.versions.values()].some((v) => v.status.model === model)) {
      this.modelSubscriptions.delete(model);
      await this.rpc.unserve(modelSubscription);
    }
    await hosted.session?.release();
    log.info({ version: key }, 'model version unloaded');
  }

  private async serveModel(model: string): Promise<void> {
    if (this.modelSubscriptions.has(model)) return;
    this.modelSubscriptions.set(
      model,
      await this.rpc.serve(subjects.inferVersions(model), queueGroups.inference, (request, span) =>
        this.inferVersions(model, request.data, span.spanContext().traceId),
      ),
    );
  }

  /** Each part run by its version's session, at once; a version not ready here is answered absent, not failed. */
  private async inferVersions(model: string, body: Uint8Array, traceId: string): Promise<Uint8Array> {
    const parts = decodeVersionParts(body);
    const answers = await Promise.all(
      parts.map(async (part): Promise<VersionPart> => {
        const { version } = part;
        if (!('body' in part)) return { version, error: { code: 'INVALID_ARGUMENT', message: 'no tensors to run' } };
        const hosted = this.versions.get(versionKey(model, version));
        if (!hosted?.session || hosted.status.state !== 'ready') return { version, absent: true };
        try {
          return { version, body: await this.infer(hosted.status, hosted.session, part.body) };
        } catch (failure) {
          const { code, message } = toAviaryError(failure, { log: 'the inference log', traceId });
          if (!(failure instanceof AviaryError))
            log.error({ err: failure, model, version }, 'unexpected inference failure');
          return { version, error: { code, message } };
        }
      }),
    );
    return encodeVersionParts(answers);
  }

  private async infer(
    { model, version }: { model: string; version: string },
    session: ModelSession,
    body: Uint8Array,
  ): Promise<Uint8Array> {
    const labels = { model, version };
    const stopTimer = inferenceLatency.startTimer(labels);
    const fault = this.config.AVIARY_FAULT_INJECTION.get(versionKey(model, version));
    try {
      if (fault) await applyFault(fault);
      const { tensors, meta } = decodeTensors<InferMeta | undefined>(body);
      const outputs = await session.run(tensors, meta?.outputs);
      inferences.inc({ ...labels, outcome: 'ok' });
      return encodeTensors(outputs);
    } catch (e) {
      inferences.inc({ ...labels, outcome: 'error' });
      throw e;
    } finally {
      stopTimer();
    }
  }
}
