// The edge agent's side of the shared REST routes (@aviary/rest-door): the gateway's request path, in-process. The
// version is picked as the gateway picks it (kill switch and version flag of the model flag set, then the rollout
// flag set, then the site's gated serving version); preprocessing, feature toggles and ONNX Runtime run here, and
// concurrent predict requests for one version share one run.
import {
  AviaryError,
  InferCommand,
  InferResult,
  notFound,
  PredictResponse,
  rejectionReason,
  RequestContext,
  ROLLOUT_FLAG_SET,
  versionKey,
} from '@aviary/contracts';
import { RecordPrediction, ToggleRun } from '@aviary/features';
import { routeModelThroughLayers, toggleRuns } from '@aviary/flags-engine/core';
import { MicroBatcher } from '@aviary/inference-engine';
import { compareVersions } from '@aviary/model-registry/core';
import { ModelDoor, ModelMetadata } from '@aviary/rest-door';
import { Picked, PredictionLog } from '@aviary/site-telemetry';
import { currentTraceId } from '@aviary/telemetry/core';
import { randomUUID } from 'node:crypto';
import { EdgeVersions, explicitVersion, LoadedVersion, predictRecords } from './edge-versions';
import { ModelSource } from './model-source';

interface PredictItem {
  version: LoadedVersion;
  records: unknown[];
  runs?: ToggleRun[];
}

interface Routed {
  version: LoadedVersion;
  variant?: string;
  /** The site's current version answered: its outcome counts for its probation. */
  current: boolean;
}

export class EdgeDoor implements ModelDoor {
  private readonly batcher: MicroBatcher<PredictItem, RecordPrediction[]>;

  constructor(
    private readonly source: ModelSource,
    private readonly versions: EdgeVersions,
    private readonly config: { AVIARY_MODEL_FLAG_SET: string; AVIARY_PREDICT_MAX_BATCH: number },
    private readonly log: PredictionLog,
  ) {
    this.batcher = new MicroBatcher((items) => this.runBatch(items), {
      keyOf: (item) => versionKey(item.version.manifest.name, item.version.manifest.version),
      limits: [{ max: config.AVIARY_PREDICT_MAX_BATCH, weigh: (item) => item.records.length }],
    });
  }

  check(model: string, version?: string): void {
    if (version !== undefined) explicitVersion(this.source, model, version);
    else if (!this.knows(model)) throw notFound(`unknown model "${model}"`);
  }

  predict(
    model: string,
    instances: unknown[],
    version: string | undefined,
    context: RequestContext,
  ): Promise<PredictResponse> {
    return this.log.observe(
      { model, version, inputs: instances },
      (picked) => this.predictRouted(model, instances, version, context, picked),
      (response) => response.predictions,
    );
  }

  infer(command: InferCommand): Promise<InferResult> {
    return this.log.observe(
      { model: command.model, version: command.version, inputs: command.inputs },
      (picked) => this.inferRouted(command, picked),
      (result) => result.outputs,
    );
  }

  private async predictRouted(
    model: string,
    instances: unknown[],
    version: string | undefined,
    context: RequestContext,
    picked: Picked,
  ): Promise<PredictResponse> {
    const routed = await this.route(model, version, context);
    picked(servedBy(routed));
    const { manifest, pipeline } = routed.version;
    const runs = pipeline.toggles.length
      ? toggleRuns({
          lookup: this.source.flagSets.lookup(this.config.AVIARY_MODEL_FLAG_SET),
          toggles: pipeline.toggles,
          records: instances.length,
          contexts: [{ context, records: instances.length }],
        })
      : undefined;
    const predictions = await this.observed(
      routed,
      this.batcher.submit({ version: routed.version, records: instances, runs }),
    );
    return {
      model: manifest.name,
      version: manifest.version,
      ...(routed.variant !== undefined && { variant: routed.variant }),
      traceId: currentTraceId() ?? '',
      predictions,
    };
  }

  private async inferRouted(command: InferCommand, picked: Picked): Promise<InferResult> {
    const routed = await this.route(command.model, command.version, command.context ?? {});
    picked(servedBy(routed));
    const { manifest, session } = routed.version;
    const outputs = await this.observed(routed, session.run(command.inputs, command.outputs));
    return {
      model: manifest.name,
      version: manifest.version,
      ...(routed.variant !== undefined && { variant: routed.variant }),
      id: command.id,
      outputs,
    };
  }

  async serverReady(): Promise<{ ready: boolean; reason?: string }> {
    return this.versions.ready();
  }

  /** Without a version: the site's current version's, else the newest that passed its gate, else the newest. */
  modelMetadata(model: string, version?: string): ModelMetadata {
    const all = this.source.versionsOf(model).sort((a, b) => compareVersions(b.version, a.version));
    const manifest =
      version === undefined
        ? (this.versions.current(model)?.current.manifest ?? all.find((m) => !rejectionReason(m)) ?? all[0])
        : explicitVersion(this.source, model, version);
    if (!manifest) throw notFound(`unknown model "${model}"`);
    return {
      name: manifest.name,
      versions: version === undefined ? all.map((m) => m.version).reverse() : [manifest.version],
      platform: manifest.platform,
      inputs: manifest.inputs,
      outputs: manifest.outputs,
      ...(manifest.parameters && { parameters: manifest.parameters }),
    };
  }

  async modelReady(model: string, version?: string): Promise<boolean> {
    this.check(model, version);
    if (version === undefined) return this.versions.current(model) !== undefined;
    return this.versions.version(explicitVersion(this.source, model, version)).then(
      () => true,
      () => false,
    );
  }

  knows(model: string): boolean {
    return this.source.versionsOf(model).length > 0;
  }

  private async route(model: string, version: string | undefined, context: RequestContext): Promise<Routed> {
    if (version !== undefined)
      return { version: await this.versions.version(explicitVersion(this.source, model, version)), current: false };
    const flagSets = this.source.flagSets;
    const route = routeModelThroughLayers({
      operator: flagSets.get(this.config.AVIARY_MODEL_FLAG_SET)?.set,
      rollout: flagSets.get(ROLLOUT_FLAG_SET)?.set,
      model,
      context,
      keyless: randomUUID,
    });
    switch (route.kind) {
      case 'serving':
        return { version: this.currentOf(model), current: true };
      case 'version': {
        const manifest = this.source.manifest(model, route.version);
        // In-process a version loads in milliseconds: the first request waits for it rather than being served by
        // another version (the gateway, whose versions live on replicas, serves the current one instead).
        if (manifest && !rejectionReason(manifest)) {
          const flagged = await this.versions.version(manifest).catch(() => undefined);
          if (flagged) return { version: flagged, variant: route.variant, current: false };
        }
        return { version: this.currentOf(model), current: true };
      }
      case 'off':
        if (route.fallbackVersion !== undefined) return this.route(model, route.fallbackVersion, context);
        throw new AviaryError(`model "${model}" is switched off (flag ${route.flag} is off)`, 'UNAVAILABLE');
    }
  }

  private currentOf(model: string): LoadedVersion {
    const serving = this.versions.current(model);
    if (serving) return serving.current;
    if (!this.knows(model)) throw notFound(`unknown model "${model}"`);
    const pointer = this.source.serving().get(model);
    if (pointer === undefined)
      throw new AviaryError(`no version of model "${model}" is serving at this site`, 'UNAVAILABLE');
    throw new AviaryError(
      `serving version ${pointer} of model "${model}" is not ready at this site (see GET /v1/edge/status)`,
      'UNAVAILABLE',
    );
  }

  /** Counts the outcome for the current version's probation: a server error fails, a caller's mistake does not. */
  private async observed<T>(routed: Routed, work: Promise<T>): Promise<T> {
    const { name, version } = routed.version.manifest;
    try {
      const result = await work;
      if (routed.current) this.versions.observe(name, version, false);
      return result;
    } catch (e) {
      const serverError = !(e instanceof AviaryError) || e.code === 'INTERNAL';
      if (routed.current) this.versions.observe(name, version, serverError);
      throw e;
    }
  }

  private async runBatch(items: PredictItem[]): Promise<RecordPrediction[][]> {
    const [{ version }] = items;
    const records = items.flatMap((i) => i.records);
    const runs = version.pipeline.toggles.length ? items.flatMap((i) => i.runs ?? []) : undefined;
    const predictions = await predictRecords(version, records, runs);
    let offset = 0;
    return items.map((i) => predictions.slice(offset, (offset += i.records.length)));
  }
}

const servedBy = ({ version: { manifest }, variant }: Routed) => ({
  model: manifest.name,
  version: manifest.version,
  variant,
});
