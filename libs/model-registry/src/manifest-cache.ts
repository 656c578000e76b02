// A live, in-memory copy of every manifest, kept current by a KV watch; services read it on the hot path.
import { ModelManifest } from '@aviary/contracts';
import { ManifestChange, ModelRegistry } from './model-registry';

export class ManifestCache {
  private readonly byKey = new Map<string, ModelManifest>();
  private watcher?: { stop(): void };
  private readonly listeners: ((change: ManifestChange) => void)[] = [];

  constructor(readonly registry: ModelRegistry) {}

  async start(): Promise<void> {
    this.watcher = await this.registry.watch((change) => {
      if (change.kind === 'put') this.byKey.set(key(change.manifest.name, change.manifest.version), change.manifest);
      else this.byKey.delete(key(change.name, change.version));
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
    return this.byKey.get(key(name, version));
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

const key = (name: string, version: string) => `${name}.${version}`;
