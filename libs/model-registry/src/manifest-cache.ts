// A live, in-memory copy of every manifest, kept current by a KV watch; services read it on the hot path.
import { ModelManifest, versionKey } from '@aviary/contracts';
import { ManifestChange, ModelRegistry } from './model-registry';

export class ManifestCache {
  private readonly byKey = new Map<string, ModelManifest>();
  private watcher?: { stop(): void };
  private readonly listeners: ((change: ManifestChange) => void)[] = [];

  constructor(readonly registry: ModelRegistry) {}

  async start(): Promise<void> {
    this.watcher = await this.registry.watch((change) => {
      const k = versionKey(change.name, change.version);
      if (change.kind === 'put') {
        // A watch started afresh after a reconnect replays every manifest; only a real change is news to listeners
        // (the gateway would otherwise drop every version from routing until its probe answered again).
        if (sameManifest(this.byKey.get(k), change.manifest)) return;
        this.byKey.set(k, change.manifest);
      } else if (!this.byKey.delete(k)) return;
      for (const listener of this.listeners) listener(change);
    });
  }

  stop(): void {
    this.watcher?.stop();
  }

  onChange(listener: (change: ManifestChange) => void): void {
    this.listeners.push(listener);
  }

  get(name: string, version: string): ModelManifest | undefined {
    return this.byKey.get(versionKey(name, version));
  }

  /** Falls back to the registry for a version pushed a moment ago that the watch has not delivered yet. */
  async resolve(name: string, version: string): Promise<ModelManifest> {
    return this.get(name, version) ?? (await this.registry.get(name, version));
  }

  versionsOf(name: string): ModelManifest[] {
    return [...this.byKey.values()].filter((m) => m.name === name);
  }

  all(): ModelManifest[] {
    return [...this.byKey.values()];
  }
}

/** Both parsed from the KV's JSON, so equal manifests serialise alike. */
const sameManifest = (known: ModelManifest | undefined, next: ModelManifest) =>
  known !== undefined && JSON.stringify(known) === JSON.stringify(next);
