// What the gateway knows about models: every manifest (live from KV), and which versions are routable,
// i.e. have answered a readiness probe. A request that names no version goes to the newest routable one,
// so a freshly pushed version takes traffic only once a replica has it warm.
import { AviaryError, gateFailures, ModelManifest, notFound } from '@aviary/contracts';
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
  /** The newest routable version of each model, kept current so the hot path does a single lookup. */
  private readonly defaults = new Map<string, ModelManifest>();
  private readonly probes = new Map<string, NodeJS.Timeout>();

  constructor(
    private readonly rpc: NatsRpc,
    private readonly services: ModelServices,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    this.manifests = new ManifestCache(
      await ModelRegistry.open(this.rpc.connection.jetstream(), (problem) => log.warn(problem)),
    );
    this.manifests.onChange((change) => {
      const key =
        change.kind === 'put'
          ? keyOf(change.manifest.name, change.manifest.version)
          : keyOf(change.name, change.version);
      this.routable.delete(key);
      this.stopProbe(key);
      this.refreshDefault(change.kind === 'put' ? change.manifest.name : change.name);
      if (change.kind === 'put' && !gateFailures(change.manifest))
        this.probe(change.manifest.name, change.manifest.version);
    });
    await this.manifests.start();
  }

  onApplicationShutdown(): void {
    this.manifests?.stop();
    for (const key of [...this.probes.keys()]) this.stopProbe(key);
  }

  /** The manifest for an explicit version, or for the newest routable version when none is named. */
  resolve(model: string, version?: string): ModelManifest {
    const manifest = version === undefined ? this.defaults.get(model) : this.manifests.get(model, version);
    const rejected = manifest && gateFailures(manifest);
    if (rejected)
      throw new AviaryError(
        `${model} version ${version} was rejected by its quality gate: ${rejected}`,
        'FAILED_PRECONDITION',
      );
    if (manifest) return manifest;
    const versions = this.versions(model);
    if (versions.length === 0) throw notFound(`unknown model "${model}"`);
    if (version !== undefined)
      throw notFound(`model "${model}" has no version "${version}"; it has ${versions.join(', ')}`);
    throw new AviaryError(`no version of model "${model}" is ready yet`, 'UNAVAILABLE');
  }

  has(model: string): boolean {
    return this.manifests.versionsOf(model).length > 0;
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
        this.refreshDefault(model);
        log.info({ model, version }, 'model version routable');
      } else if (this.probes.has(key)) {
        this.probes.set(
          key,
          setTimeout(() => void attempt(), PROBE_INTERVAL_MS),
        );
      }
    };
    this.probes.set(
      key,
      setTimeout(() => void attempt(), 0),
    );
  }

  private refreshDefault(model: string): void {
    const newest = this.manifests
      .versionsOf(model)
      .filter((m) => this.routable.has(keyOf(m.name, m.version)))
      .sort((a, b) => compareVersions(b.version, a.version))[0];
    if (newest) this.defaults.set(model, newest);
    else this.defaults.delete(model);
  }

  private stopProbe(key: string): void {
    clearTimeout(this.probes.get(key));
    this.probes.delete(key);
  }
}

const keyOf = (model: string, version: string) => `${model}.${version}`;
