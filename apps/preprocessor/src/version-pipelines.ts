// Each model version's pipeline (its feature spec, or its input and output names), built once from the live
// manifests and dropped when the version is replaced or deleted. Started and stopped by its user, the predict server,
// so no request can arrive before the manifests are known.
import { versionKey } from '@aviary/contracts';
import { versionPipeline, VersionPipeline } from '@aviary/features';
import { NatsRpc } from '@aviary/messaging';
import { ManifestCache, ModelRegistry } from '@aviary/model-registry';
import { createLogger } from '@aviary/telemetry';
import { Injectable } from '@nestjs/common';

const log = createLogger('preprocessor');

@Injectable()
export class VersionPipelines {
  private manifests!: ManifestCache;
  private readonly pipelines = new Map<string, VersionPipeline>();

  constructor(private readonly rpc: NatsRpc) {}

  async start(): Promise<void> {
    this.manifests = new ManifestCache(await ModelRegistry.open(this.rpc.connection, (problem) => log.warn(problem)));
    this.manifests.onChange((change) => this.pipelines.delete(versionKey(change.name, change.version)));
    await this.manifests.start();
  }

  stop(): void {
    this.manifests?.stop();
  }

  async of(model: string, version: string): Promise<VersionPipeline> {
    const key = versionKey(model, version);
    const cached = this.pipelines.get(key);
    if (cached) return cached;
    const pipeline = versionPipeline(await this.manifests.resolve(model, version));
    this.pipelines.set(key, pipeline);
    return pipeline;
  }
}
