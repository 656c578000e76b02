// Model versions on JetStream: ONNX bytes in the object store, manifests in KV. The store only: validating a version
// (ONNX Runtime, ZipMap rewrite, evaluation) is @aviary/model-push's job, so readers never load the ML runtime.
import {
  AviaryError,
  buckets,
  versionKey,
  ModelManifest,
  modelManifestSchema,
  modelObjectName,
  notFound,
  objectStores,
  parseOrThrow,
} from '@aviary/contracts';
import { BucketWatch, followBucket, openKv, openObjectStore } from '@aviary/messaging/core';
import { createHash } from 'node:crypto';
import { KV, KvEntry, NatsConnection, ObjectStore } from 'nats';

/** A version that has passed the push pipeline, ready to store. */
export interface ValidatedVersion {
  manifest: ModelManifest;
  /** The graph to serve, stored under manifest.objectName; manifest.sha256 is its hash. */
  served: Uint8Array;
  /** The upload, kept beside the served graph when that was rewritten from it (manifest.originalSha256). */
  original?: Uint8Array;
}

/** Both kinds name the version, so a listener keys its per-version state the same way for either. */
export type ManifestChange = { name: string; version: string } & (
  { kind: 'put'; manifest: ModelManifest } | { kind: 'delete' }
);

const fromUtf8 = new TextDecoder();

export const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

/** Where the upload is kept when the served graph (under modelObjectName) was rewritten from it. */
export const originalObjectName = (name: string, version: string) => `${name}/${version}/original.onnx`;

export class ModelRegistry {
  constructor(
    /** Watches start over when it reconnects; ServingPointers opens its bucket through it. */
    readonly connection: NatsConnection,
    private readonly manifests: KV,
    private readonly artifacts: ObjectStore,
    /** Told about manifests that cannot be read; they are skipped so one bad entry never stops the others. */
    /** Also told of unreadable serving pointers and replica statuses, so every reader reports them one way. */
    readonly onUnreadable: (problem: string) => void = () => undefined,
  ) {}

  static async open(connection: NatsConnection, onUnreadable?: (problem: string) => void): Promise<ModelRegistry> {
    const js = connection.jetstream();
    return new ModelRegistry(
      connection,
      await openKv(js, buckets.models),
      await openObjectStore(js, objectStores.models),
      onUnreadable,
    );
  }

  /** Stores a validated version; its manifest is written last, so readers never see a version without its bytes. */
  async store({ manifest, served, original }: ValidatedVersion): Promise<void> {
    if (manifest.originalSha256 && original)
      await this.artifacts.putBlob({ name: originalObjectName(manifest.name, manifest.version) }, original);
    await this.artifacts.putBlob({ name: manifest.objectName }, served);
    await this.manifests.put(versionKey(manifest.name, manifest.version), JSON.stringify(manifest));
  }

  async find(name: string, version: string): Promise<ModelManifest | undefined> {
    const entry = await this.manifests.get(versionKey(name, version));
    return entry && entry.operation === 'PUT' ? decodeManifest(entry) : undefined;
  }

  async get(name: string, version: string): Promise<ModelManifest> {
    const manifest = await this.find(name, version);
    if (!manifest) throw notFound(`model "${name}" has no version "${version}"`);
    return manifest;
  }

  /** Every readable manifest; an unreadable one (written by a newer or broken client) is skipped, not fatal. */
  async list(): Promise<ModelManifest[]> {
    const keys: string[] = [];
    for await (const key of await this.manifests.keys()) keys.push(key);
    const entries = await Promise.all(keys.map(async (k) => this.manifests.get(k)));
    return entries
      .filter((e): e is KvEntry => !!e && e.operation === 'PUT')
      .flatMap((e) => readable(e, this.onUnreadable));
  }

  /** The ONNX bytes of a version, checked against the manifest's sha256. */
  async fetchModel(manifest: ModelManifest): Promise<Uint8Array> {
    const bytes = await this.artifacts.getBlob(manifest.objectName);
    if (!bytes)
      throw notFound(`the bytes of ${manifest.name} version ${manifest.version} are missing from the object store`);
    const digest = sha256(bytes);
    if (digest !== manifest.sha256) {
      throw new AviaryError(
        `${manifest.name} version ${manifest.version}: stored bytes hash to ${digest}, manifest says ${manifest.sha256}`,
        'INTERNAL',
      );
    }
    return bytes;
  }

  async remove(name: string, version: string): Promise<void> {
    const manifest = await this.get(name, version);
    await this.manifests.delete(versionKey(name, version));
    await this.artifacts.delete(modelObjectName(name, version));
    if (manifest.originalSha256) await this.artifacts.delete(originalObjectName(name, version));
  }

  /** Every manifest now and every change after, until `stop`; after a reconnect every manifest again. */
  async watch(onChange: (change: ManifestChange) => void): Promise<BucketWatch> {
    return followBucket(
      this.manifests,
      this.connection,
      (entry) => {
        if (entry.operation === 'PUT') {
          for (const manifest of readable(entry, this.onUnreadable))
            onChange({ kind: 'put', name: manifest.name, version: manifest.version, manifest });
        } else {
          const [name, version] = entry.key.split('.');
          onChange({ kind: 'delete', name, version });
        }
      },
      (e) => this.onUnreadable(`manifest watch ended: ${e.message}`),
    );
  }
}

function readable(entry: KvEntry, onUnreadable: (problem: string) => void): ModelManifest[] {
  try {
    return [decodeManifest(entry)];
  } catch (e) {
    onUnreadable(`skipping manifest ${entry.key}: ${(e as Error).message}`);
    return [];
  }
}

function decodeManifest(entry: KvEntry): ModelManifest {
  return parseOrThrow(modelManifestSchema, JSON.parse(fromUtf8.decode(entry.value)), `manifest ${entry.key}`);
}
