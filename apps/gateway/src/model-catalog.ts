// What the gateway knows about models: every manifest (live from KV), and which versions are routable,
// i.e. have answered a readiness probe. A request that names no version goes to the newest routable one,
// so a freshly pushed version takes traffic only once a replica has it warm.
import { AviaryError, ModelManifest, notFound } from '@aviary/contracts';
import { NatsRpc } from '@aviary/messaging';
import { compareVersions, ManifestCache, ModelRegistry } from '@aviary/model-registry';
import { createLogger } from '@aviary/telemetry';
import { Injectable, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { ModelServices } from './model-services';

const PROBE_INTERVAL_MS = 250;
const log = createLogger('gateway');

@Injectable()
export class ModelCatalog implements OnApplicationBootstrap, OnApplicationShutdown {
  private manifests!: ManifestCache;
  private readonly routable = new Set<string>();
  private readonly probes = new Map<string, NodeJS.Timeout>();

  constructor(
    private readonly rpc: NatsRpc,
    private readonly services: ModelServices,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    this.manifests = new ManifestCache(await ModelRegistry.open(this.rpc.connection.jetstream(), (problem) => log.warn(problem)));
    this.manifests.onChange((change) => {
      const key = change.kind === 'put' ? keyOf(change.manifest.name, change.manifest.version) : keyOf(change.name, change.version);
      this.routable.delete(key);
      this.stopProbe(key);
      if (change.kind === 'put') this.probe(change.manifest.name, change.manifest.version);
    });
    await this.manifests.start();
  }

  onApplicationShutdown(): void {
    this.manifests?.stop();
    for (const key of [...this.probes.keys()]) this.stopProbe(key);
  }

  /** The manifest for an explicit version, or for the newest routable version when none is named. */
  resolve(model: string, version?: string): ModelManifest {
    const versions = this.manifests.versionsOf(model);
    if (versions.length === 0) throw notFound(`unknown model "${model}"`);
    if (version !== undefined) {
      const manifest = versions.find((m) => m.version === version);
      if (!manifest) throw notFound(`model "${model}" has no version "${version}"; it has ${versions.map((m) => m.version).sort(compareVersions).join(', ')}`);
      return manifest;
    }
    const ready = versions.filter((m) => this.routable.has(keyOf(m.name, m.version))).sort((a, b) => compareVersions(b.version, a.version));
    if (ready.length === 0) throw new AviaryError(`no version of model "${model}" is ready yet`, 'UNAVAILABLE');
    return ready[0];
  }

  versions(model: string): string[] {
    return this.manifests
      .versionsOf(model)
      .map((m) => m.version)
      .sort(compareVersions);
  }

  all(): ModelManifest[] {
    return this.manifests.all();
  }

  isRoutable(model: string, version: string): boolean {
    return this.routable.has(keyOf(model, version));
  }

  private probe(model: string, version: string): void {
    const key = keyOf(model, version);
    const attempt = async () => {
      if (await this.services.versionReady(model, version)) {
        this.probes.delete(key);
        this.routable.add(key);
        log.info({ model, version }, 'model version routable');
      } else if (this.probes.has(key)) {
        this.probes.set(key, setTimeout(() => void attempt(), PROBE_INTERVAL_MS));
      }
    };
    this.probes.set(key, setTimeout(() => void attempt(), 0));
  }

  private stopProbe(key: string): void {
    clearTimeout(this.probes.get(key));
    this.probes.delete(key);
  }
}

const keyOf = (model: string, version: string) => `${model}.${version}`;
