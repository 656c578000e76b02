import { buckets, versionKey, ModelManifest, modelObjectName, objectStores } from '@aviary/contracts';
import { connectNats, openKv, openObjectStore } from '@aviary/messaging';
import { NatsServer, rejection, startNatsServer, waitFor, workspaceRoot } from '@aviary/testing';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { JetStreamClient, NatsConnection } from 'nats';
import { ManifestCache } from './manifest-cache';
import { ManifestChange, ModelRegistry, originalObjectName, sha256 } from './model-registry';

const onnxOf = (name: string, version: string) =>
  new Uint8Array(readFileSync(join(workspaceRoot(), 'models', name, version, 'model.onnx')));
const flightV1 = onnxOf('flight-delay', '1');
const flightV2 = onnxOf('flight-delay', '2');
const penguinV1 = onnxOf('penguin-species', '1');
const hex = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

/** What the push pipeline would have validated; the store takes it as it is. */
const manifestOf = (name: string, version: string, served: Uint8Array): ModelManifest => ({
  name,
  version,
  platform: 'onnxruntime',
  objectName: modelObjectName(name, version),
  sha256: hex(served),
  sizeBytes: served.byteLength,
  inputs: [{ name: 'features', datatype: 'FP32', shape: [-1, 3] }],
  outputs: [{ name: 'label', datatype: 'INT64', shape: [-1] }],
  metrics: {},
  createdAt: new Date().toISOString(),
});

async function put(registry: ModelRegistry, name: string, version: string, served: Uint8Array) {
  const manifest = manifestOf(name, version, served);
  await registry.store({ manifest, served });
  return { manifest };
}

let nats: NatsServer;
let nc: NatsConnection;
let js: JetStreamClient;
let bucketCount = 0;

/** A registry on buckets of its own, so each test starts empty. */
async function freshRegistry(): Promise<ModelRegistry> {
  const bucket = `spec_models_${++bucketCount}`;
  return new ModelRegistry(nc, await openKv(js, bucket), await openObjectStore(js, bucket));
}

beforeAll(async () => {
  nats = await startNatsServer();
  nc = await connectNats(nats.url, 'model-registry-spec');
  js = nc.jetstream();
});

afterAll(async () => {
  await nc?.drain();
  await nats?.stop();
});

describe('ModelRegistry', () => {
  it('stores a version and describes it by its manifest, in get and in list', async () => {
    const registry = await freshRegistry();
    const { manifest } = await put(registry, 'flight-delay', '1', flightV1);
    expect(await registry.get('flight-delay', '1')).toEqual(manifest);
    expect(await registry.list()).toEqual([manifest]);
  });

  it("keeps a rewritten version's upload beside the served graph, and removes both together", async () => {
    const bucket = `spec_models_${++bucketCount}`;
    const store = await openObjectStore(js, bucket);
    const registry = new ModelRegistry(nc, await openKv(js, bucket), store);
    const manifest = { ...manifestOf('titanic', '1', flightV2), originalSha256: hex(flightV1) };
    await registry.store({ manifest, served: flightV2, original: flightV1 });
    const original = await store.getBlob(originalObjectName('titanic', '1'));
    expect(original && Buffer.from(original).equals(Buffer.from(flightV1))).toBe(true);
    await registry.remove('titanic', '1');
    expect(await store.getBlob(originalObjectName('titanic', '1'))).toBeNull();
    expect(await store.getBlob('titanic/1/model.onnx')).toBeNull();
  });

  it('opens the aviary_models KV bucket and object store', async () => {
    const registry = await ModelRegistry.open(nc);
    await put(registry, 'flight-delay', '1', flightV1);
    expect((await (await openKv(js, buckets.models)).get(versionKey('flight-delay', '1')))?.operation).toBe('PUT');
    expect(
      await (await openObjectStore(js, objectStores.models)).info(modelObjectName('flight-delay', '1')),
    ).not.toBeNull();
  });

  it('lists every stored version of every model', async () => {
    const registry = await freshRegistry();
    await put(registry, 'flight-delay', '1', flightV1);
    await put(registry, 'flight-delay', '2', flightV2);
    await put(registry, 'penguin-species', '1', penguinV1);
    const listed = (await registry.list()).map((m) => `${m.name}@${m.version}`).sort();
    expect(listed).toEqual(['flight-delay@1', 'flight-delay@2', 'penguin-species@1']);
  });

  it('answers NOT_FOUND for a version that was never pushed', async () => {
    const registry = await freshRegistry();
    const error = await rejection(registry.get('flight-delay', '9'));
    expect(error.code).toBe('NOT_FOUND');
    expect(error.message).toBe('model "flight-delay" has no version "9"');
  });

  it('hands back the stored ONNX bytes, byte for byte', async () => {
    const registry = await freshRegistry();
    const { manifest } = await put(registry, 'penguin-species', '1', penguinV1);
    expect(Buffer.from(await registry.fetchModel(manifest)).equals(Buffer.from(penguinV1))).toBe(true);
  });

  it('refuses to hand back stored bytes that no longer match the manifest checksum', async () => {
    const bucket = `spec_models_${++bucketCount}`;
    const store = await openObjectStore(js, bucket);
    const registry = new ModelRegistry(nc, await openKv(js, bucket), store);
    const { manifest } = await put(registry, 'flight-delay', '1', flightV1);
    await store.putBlob({ name: manifest.objectName }, flightV2);
    const error = await rejection(registry.fetchModel(manifest));
    expect(error.code).toBe('INTERNAL');
    expect(error.message).toBe(
      `flight-delay version 1: stored bytes hash to ${hex(flightV2)}, manifest says ${manifest.sha256}`,
    );
  });

  it('answers NOT_FOUND when the bytes of a version are missing', async () => {
    const registry = await freshRegistry();
    const { manifest } = await put(registry, 'flight-delay', '1', flightV1);
    const error = await rejection(registry.fetchModel({ ...manifest, objectName: 'flight-delay/404/model.onnx' }));
    expect(error.code).toBe('NOT_FOUND');
  });

  it('removes a version, its manifest and its bytes', async () => {
    const registry = await freshRegistry();
    const { manifest } = await put(registry, 'flight-delay', '1', flightV1);
    await registry.remove('flight-delay', '1');
    expect(await registry.find('flight-delay', '1')).toBeUndefined();
    expect(await registry.list()).toEqual([]);
    expect((await rejection(registry.fetchModel(manifest))).code).toBe('NOT_FOUND');
    expect((await rejection(registry.remove('flight-delay', '1'))).code).toBe('NOT_FOUND');
  });

  it('watches: delivers the manifests already stored, then new ones and deletions', async () => {
    const registry = await freshRegistry();
    await put(registry, 'flight-delay', '1', flightV1);
    const changes: ManifestChange[] = [];
    const watcher = await registry.watch((change) => changes.push(change));
    try {
      await waitFor('the stored manifest', async () => changes.length === 1, 5_000);
      expect(changes[0]).toMatchObject({ kind: 'put', name: 'flight-delay', version: '1', manifest: { version: '1' } });

      await put(registry, 'flight-delay', '2', flightV2);
      await registry.remove('flight-delay', '1');
      await waitFor('the new manifest and the deletion', async () => changes.length === 3, 5_000);
      expect(changes[1]).toMatchObject({ kind: 'put', name: 'flight-delay', version: '2', manifest: { version: '2' } });
      expect(changes[2]).toEqual({ kind: 'delete', name: 'flight-delay', version: '1' });
    } finally {
      watcher.stop();
    }
  });

  it('keeps watching past a stored manifest it cannot read', async () => {
    const bucket = `spec_models_${++bucketCount}`;
    const kv = await openKv(js, bucket);
    const registry = new ModelRegistry(nc, kv, await openObjectStore(js, bucket));
    await kv.put('legacy.1', JSON.stringify({ name: 'legacy', version: '1', format: 'from an older release' }));
    const changes: ManifestChange[] = [];
    const watcher = await registry.watch((change) => changes.push(change));
    try {
      await put(registry, 'flight-delay', '1', flightV1);
      await waitFor(
        'the readable manifest',
        async () => changes.some((c) => c.kind === 'put' && c.manifest.name === 'flight-delay'),
        1_500,
      );
    } finally {
      watcher.stop();
    }
  });
});

describe('ManifestCache', () => {
  it('starts with every stored manifest and follows pushes and removals, telling its listeners', async () => {
    const registry = await freshRegistry();
    await put(registry, 'flight-delay', '1', flightV1);
    const cache = new ManifestCache(registry);
    const heard: string[] = [];
    cache.onChange((change) =>
      heard.push(change.kind === 'put' ? `put ${change.manifest.version}` : `delete ${change.version}`),
    );
    await cache.start();
    try {
      await waitFor(
        'the stored manifest in the cache',
        async () => cache.get('flight-delay', '1') !== undefined,
        5_000,
      );

      await put(registry, 'flight-delay', '2', flightV2);
      await put(registry, 'penguin-species', '1', penguinV1);
      await waitFor('both new manifests in the cache', async () => cache.all().length === 3, 5_000);
      expect(
        cache
          .versionsOf('flight-delay')
          .map((m) => m.version)
          .sort(),
      ).toEqual(['1', '2']);
      expect(cache.versionsOf('penguin-species').map((m) => m.version)).toEqual(['1']);

      await registry.remove('flight-delay', '1');
      await waitFor('the removal in the cache', async () => cache.get('flight-delay', '1') === undefined, 5_000);
      expect(cache.all()).toHaveLength(2);
      expect(heard).toEqual(['put 1', 'put 2', 'put 1', 'delete 1']);
    } finally {
      cache.stop();
    }
  });

  it('resolves a version it has not seen yet from the registry, and answers NOT_FOUND for one that does not exist', async () => {
    const registry = await freshRegistry();
    const { manifest } = await put(registry, 'flight-delay', '1', flightV1);
    const cache = new ManifestCache(registry);
    expect(cache.get('flight-delay', '1')).toBeUndefined();
    expect(await cache.resolve('flight-delay', '1')).toEqual(manifest);
    expect((await rejection(cache.resolve('flight-delay', '2'))).code).toBe('NOT_FOUND');
  });

  it('stops following the registry once stopped', async () => {
    const registry = await freshRegistry();
    const cache = new ManifestCache(registry);
    await cache.start();
    await put(registry, 'flight-delay', '1', flightV1);
    await waitFor('the first manifest in the cache', async () => cache.all().length === 1, 5_000);
    cache.stop();
    await put(registry, 'flight-delay', '2', flightV2);
    // A cache still running sees version 2; by then the stopped one would have too.
    const running = new ManifestCache(registry);
    await running.start();
    try {
      await waitFor('version 2 in a running cache', async () => running.get('flight-delay', '2') !== undefined, 5_000);
    } finally {
      running.stop();
    }
    expect(cache.all().map((m: ModelManifest) => m.version)).toEqual(['1']);
  });
});

describe('sha256', () => {
  it('is the lowercase hex SHA-256 of the bytes', () => {
    expect(sha256(new TextEncoder().encode('abc'))).toBe(
      'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
    );
  });
});
