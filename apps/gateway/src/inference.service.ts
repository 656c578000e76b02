// Open Inference Protocol use cases, shared by the REST and gRPC doors: they differ only in encoding.
// Concurrent infer requests for one version are concatenated along dimension 0 into one inference call.
import { InferCommand, InferResult, rejectionReason, ModelManifest, Tensor, versionKey } from '@aviary/contracts';
import {
  batchesAlongRows,
  batchKey,
  checkInferRequest,
  concatRows,
  IncompatibleBatchError,
  MicroBatcher,
  rowsOf,
  splitRows,
  tensorBytes,
} from '@aviary/inference-engine';
import { ModelMetadata, SERVER_METADATA } from '@aviary/rest-door';
import { batchSizeCounter, runForRequests } from '@aviary/telemetry';
import { Inject, Injectable } from '@nestjs/common';
import { Context, context } from '@opentelemetry/api';
import { GATEWAY_CONFIG, GatewayConfig } from './config';
import { ModelCatalog } from './model-catalog';
import { ModelRouter } from './model-router';
import { ModelServices } from './model-services';
import { observeArm } from './variant-metrics';
import { PREDICTION_LOG } from './prediction-log';
import { Picked, PredictionLog } from '@aviary/site-telemetry';

const batchedRequests = batchSizeCounter(
  'aviary_infer_batched_requests_total',
  'OIP infer requests by the size of the batch they joined',
);

interface InferItem {
  manifest: ModelManifest;
  inputs: Tensor[];
  outputs?: string[];
  rows: number;
  /** The request's trace context: a lone request runs in it, a batch span links it. */
  context: Context;
}

@Injectable()
export class InferenceService {
  private readonly batcher: MicroBatcher<InferItem, Tensor[]>;
  /** Versions whose outputs turned out not to follow their input rows: they run unbatched. */
  private readonly notRowWise = new Set<string>();

  constructor(
    private readonly catalog: ModelCatalog,
    private readonly router: ModelRouter,
    private readonly services: ModelServices,
    @Inject(GATEWAY_CONFIG) config: GatewayConfig,
    @Inject(PREDICTION_LOG) private readonly log: PredictionLog,
  ) {
    this.batcher = new MicroBatcher((items) => this.runBatch(items), {
      keyOf: (item) => `${versionOf(item.manifest)}|${batchKey(item.inputs, item.outputs)}`,
      limits: [
        { max: config.AVIARY_INFER_MAX_BATCH, weigh: (item) => item.rows },
        // Half a message leaves room for the envelope header and for replies larger than their requests.
        { max: services.maxMessageBytes() / 2, weigh: (item) => tensorBytes(item.inputs) },
      ],
    });
  }

  serverMetadata() {
    return SERVER_METADATA;
  }

  /** Ready when the services the gateway calls answer: the preprocessor and at least one inference replica. */
  async serverReady(): Promise<{ ready: boolean; reason?: string }> {
    const [preprocessor, inference] = await Promise.all([
      this.services.serviceAnswers('preprocessor'),
      this.services.serviceAnswers('inference'),
    ]);
    const missing = [!preprocessor && 'preprocessor', !inference && 'inference'].filter(Boolean);
    return missing.length ? { ready: false, reason: `no answer from ${missing.join(' and ')}` } : { ready: true };
  }

  /** Without a version: the serving version's, or while none serves the newest ready one's, with every version. */
  modelMetadata(model: string, version?: string): ModelMetadata {
    const manifest = version === undefined ? this.catalog.metadataVersion(model) : this.catalog.resolve(model, version);
    return {
      name: manifest.name,
      versions: version === undefined ? this.catalog.versions(model) : [manifest.version],
      platform: manifest.platform,
      inputs: manifest.inputs,
      outputs: manifest.outputs,
      ...(manifest.parameters && { parameters: manifest.parameters }),
    };
  }

  /** Without a version: whether unversioned requests are served (a serving version warm on a replica). */
  async modelReady(model: string, version?: string): Promise<boolean> {
    const asked = version === undefined ? this.catalog.routedVersion(model) : version;
    if (asked === undefined || rejectionReason(this.catalog.manifest(model, asked))) return false;
    return this.services.versionReady(model, asked);
  }

  /** Whether `model` is registered (any version): e.g. to keep made-up names out of metric labels. */
  knows(model: string): boolean {
    return this.catalog.has(model);
  }

  /**
   * For a door to call before it decodes the inputs: an unknown model or version is NOT_FOUND whatever the request
   * holds, as on Triton and KServe.
   */
  check(model: string, version?: string): void {
    this.router.check(model, version);
  }

  infer(command: InferCommand): Promise<InferResult> {
    return this.log.observe(
      { model: command.model, version: command.version, inputs: command.inputs },
      (picked) => this.routed(command, picked),
      (result) => result.outputs,
    );
  }

  private async routed(command: InferCommand, picked: Picked): Promise<InferResult> {
    const { manifest, variant } = this.router.route(
      command.model,
      command.version,
      command.header ? this.router.contextOf(command.context ?? {}, command.header) : (command.context ?? {}),
    );
    picked({ model: manifest.name, version: manifest.version, variant });
    const result = (outputs: Tensor[]): InferResult => ({
      model: manifest.name,
      version: manifest.version,
      ...(variant !== undefined && { variant }),
      id: command.id,
      outputs,
    });
    if (variant === undefined) return result(await this.outputsOf(manifest, command));
    const arm = { model: manifest.name, variant, version: manifest.version };
    const started = performance.now();
    try {
      const answer = result(await this.outputsOf(manifest, command));
      observeArm(arm, (performance.now() - started) / 1000);
      return answer;
    } catch (failure) {
      observeArm(arm, (performance.now() - started) / 1000, failure);
      throw failure;
    }
  }

  private outputsOf(manifest: ModelManifest, { inputs, outputs }: InferCommand): Promise<Tensor[]> {
    const alone = () => this.services.infer(manifest.name, manifest.version, inputs, outputs);
    if (!batchesAlongRows(manifest) || this.notRowWise.has(versionOf(manifest))) return alone();
    // Checked here as the replica would, so a bad request fails on its own rather than failing a batch.
    checkInferRequest(manifest, inputs, outputs);
    const rows = rowsOf(inputs);
    if (!rows) return alone();
    return this.batcher.submit({
      manifest,
      inputs,
      outputs: outputs?.length ? outputs : undefined,
      rows,
      context: context.active(),
    });
  }

  private runBatch(items: InferItem[]): Promise<Tensor[][]> {
    batchedRequests.observe(items.length);
    const [{ manifest, outputs }] = items;
    const infer = (inputs: readonly Tensor[]) => this.services.infer(manifest.name, manifest.version, inputs, outputs);
    return runForRequests(
      `infer batch ${manifest.name}.${manifest.version}`,
      items.map((i) => i.context),
      async () => {
        if (items.length === 1) return [await infer(items[0].inputs)];
        const combined = await infer(concatRows(items.map((i) => i.inputs)));
        try {
          return splitRows(
            combined,
            items.map((i) => i.rows),
          );
        } catch (error) {
          // Outputs that do not follow the input rows never will for this version: stop batching it.
          if (error instanceof IncompatibleBatchError) this.notRowWise.add(versionOf(manifest));
          throw error;
        }
      },
    );
  }
}

/** What a batch runs: a deleted version may be pushed again with other bytes, so its sha256 is part of it. */
const versionOf = (manifest: ModelManifest) => `${versionKey(manifest.name, manifest.version)}@${manifest.sha256}`;
