// What the gateway knows about models: every manifest and serving pointer (live from KV), and which versions are
// routable, i.e. have answered a readiness probe. A request that names no version goes to the version the model's
// serving pointer names, and only once a replica has it warm.
import { AviaryError, rejectionReason, ModelManifest, notFound, ServingPointer, versionKey } from '@aviary/contracts';
import { NatsRpc } from '@aviary/messaging';
import {
  compareVersions,
  knownVersion,
  ManifestCache,
  ModelRegistry,
  servableVersion,
  ServingPointers,
} from '@aviary/model-registry';
import { createLogger } from '@aviary/telemetry';
import { Injectable, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { ModelServices } from './model-services';

const PROBE_INTERVAL_MS = 250;
const log = createLogger('gateway');

@Injectable()
export class ModelCatalog implements OnApplicationBootstrap, OnApplicationShutdown {
  private manifests!: ManifestCache;
  private readonly routable = new Set<string>();
  private readonly pointers = new Map<string, ServingPointer>();
  /** The serving version of each model when it is routable, kept current so the hot path does a single lookup. */
  private readonly defaults = new Map<string, ModelManifest>();
  private pointerWatch?: { stop(): void };
  private readonly probes = new Map<string, NodeJS.Timeout>();

  constructor(
    private readonly rpc: NatsRpc,
    private readonly services: ModelServices,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    this.manifests = new ManifestCache(await ModelRegistry.open(this.rpc.connection, (problem) => log.warn(problem)));
    this.manifests.onChange((change) => {
      const key = versionKey(change.name, change.version);
      this.routable.delete(key);
      this.stopProbe(key);
      this.refreshDefault(change.name);
      if (change.kind === 'put' && !rejectionReason(change.manifest)) this.probe(change.name, change.version);
    });
    await this.manifests.start();
    const pointers = await ServingPointers.open(this.manifests.registry);
    this.pointerWatch = await pointers.watch((model, pointer) => {
      if (pointer) this.pointers.set(model, pointer);
      else this.pointers.delete(model);
      this.refreshDefault(model);
    });
  }

  onApplicationShutdown(): void {
    this.manifests?.stop();
    this.pointerWatch?.stop();
    for (const key of [...this.probes.keys()]) this.stopProbe(key);
  }

  /** The manifest for an explicit version, or for the serving version when none is named. */
  resolve(model: string, version?: string): ModelManifest {
    if (version !== undefined) return servableVersion(this.manifest(model, version));
    const serving = this.defaults.get(model);
    if (serving) return serving;
    if (!this.has(model)) throw notFound(`unknown model "${model}"`);
    const pointer = this.pointers.get(model);
    if (!pointer) {
      throw new AviaryError(
        `no version of model "${model}" is serving; promote one with \`aviary models serve ${model} VERSION\``,
        'UNAVAILABLE',
      );
    }
    throw new AviaryError(
      `serving version ${pointer.version} of model "${model}" is not ready on any replica`,
      'UNAVAILABLE',
    );
  }

  /**
   * What describes a model when no version is named: its serving version, or while none serves the newest ready
   * one, else the newest that passed its gate, else the newest.
   */
  metadataVersion(model: string): ModelManifest {
    const newestFirst = this.manifests.versionsOf(model).sort((a, b) => compareVersions(b.version, a.version));
    if (newestFirst.length === 0) throw notFound(`unknown model "${model}"`);
    const serving = this.pointers.get(model)?.version;
    return (
      newestFirst.find((m) => m.version === serving) ??
      newestFirst.find((m) => this.isRoutable(m.name, m.version)) ??
      newestFirst.find((m) => !rejectionReason(m)) ??
      newestFirst[0]
    );
  }

  /** The version unversioned requests go to now (serving and routable), if any; an unknown model is NOT_FOUND. */
  routedVersion(model: string): string | undefined {
    if (!this.has(model)) throw notFound(`unknown model "${model}"`);
    return this.defaults.get(model)?.version;
  }

  /** The manifest of an explicit version, rejected or not; an unknown model or version is NOT_FOUND. */
  manifest(model: string, version: string): ModelManifest {
    const versions = () => this.manifests.versionsOf(model).map((m) => m.version);
    return knownVersion(this.manifests.get(model, version), { model, version, versions });
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
    return this.routable.has(versionKey(model, version));
  }

  private probe(model: string, version: string): void {
    const key = versionKey(model, version);
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
    const version = this.pointers.get(model)?.version;
    const manifest = version === undefined ? undefined : this.manifests.get(model, version);
    if (manifest && this.routable.has(versionKey(model, version as string))) this.defaults.set(model, manifest);
    else this.defaults.delete(model);
  }

  private stopProbe(key: string): void {
    clearTimeout(this.probes.get(key));
    this.probes.delete(key);
  }
}
