import { AviaryError, buckets, versionKey, ModelManifest, modelObjectName, objectStores } from '@aviary/contracts';
import { parseJsonLines } from '@aviary/evaluation';
import { applyFeatureSpec, parseFeatureSpec } from '@aviary/features';
import { connectNats, openKv, openObjectStore } from '@aviary/messaging';
import { NatsServer, startNatsServer, waitFor, workspaceRoot } from '@aviary/testing';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { JetStreamClient, NatsConnection } from 'nats';
import { ManifestCache } from './manifest-cache';
import { ManifestChange, ModelRegistry, originalObjectName, sha256 } from './model-registry';
import { checkSpecFitsModel } from './spec-compatibility';
import { rejection } from '@aviary/testing';

const bundle = (name: string, version: string) => {
  const dir = join(workspaceRoot(), 'models', name, version);
  return {
    onnx: new Uint8Array(readFileSync(join(dir, 'model.onnx'))),
    featureSpec: JSON.parse(readFileSync(join(dir, 'feature-spec.json'), 'utf8')) as unknown,
    metrics: JSON.parse(readFileSync(join(dir, 'metrics.json'), 'utf8')) as Record<string, unknown>,
    holdout: parseJsonLines(readFileSync(join(dir, 'holdout.jsonl'), 'utf8'), 'holdout.jsonl') as Record<
      string,
      unknown
    >[],
  };
};
const flightV1 = bundle('flight-delay', '1');
const flightV2 = bundle('flight-delay', '2');
const penguinV1 = bundle('penguin-species', '1');
const carV1 = bundle('car-mpg', '1');
const hex = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

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
  it('opens the aviary_models KV bucket and object store', async () => {
    const registry = await ModelRegistry.open(nc);
    await registry.push({ name: 'flight-delay', version: '1', onnx: flightV1.onnx });
    expect((await (await openKv(js, buckets.models)).get(versionKey('flight-delay', '1')))?.operation).toBe('PUT');
    expect(
      await (await openObjectStore(js, objectStores.models)).info(modelObjectName('flight-delay', '1')),
    ).not.toBeNull();
  });

  it('stores a pushed version and describes it: checksum, size, inputs, outputs, metrics and feature spec', async () => {
    const registry = await freshRegistry();
    const { manifest, created } = await registry.push({ name: 'flight-delay', version: '1', ...flightV1 });
    expect(created).toBe(true);
    expect(manifest).toEqual({
      name: 'flight-delay',
      version: '1',
      platform: 'onnxruntime',
      objectName: 'flight-delay/1/model.onnx',
      sha256: hex(flightV1.onnx),
      sizeBytes: flightV1.onnx.byteLength,
      inputs: [{ name: 'features', datatype: 'FP32', shape: [-1, 3] }],
      outputs: expect.arrayContaining([
        { name: 'label', datatype: 'INT64', shape: [-1] },
        { name: 'probabilities', datatype: 'FP32', shape: [-1, 2] },
      ]),
      metrics: flightV1.metrics,
      featureSpec: parseFeatureSpec(flightV1.featureSpec),
      createdAt: expect.any(String),
    });
    expect(new Date(manifest.createdAt).toISOString()).toBe(manifest.createdAt);
    expect(await registry.get('flight-delay', '1')).toEqual(manifest);
    expect(await registry.list()).toEqual([manifest]);
  });

  it('lists every stored version of every model', async () => {
    const registry = await freshRegistry();
    await registry.push({ name: 'flight-delay', version: '1', onnx: flightV1.onnx });
    await registry.push({ name: 'flight-delay', version: '2', onnx: flightV2.onnx });
    await registry.push({ name: 'penguin-species', version: '1', onnx: penguinV1.onnx });
    const listed = (await registry.list()).map((m) => `${m.name}@${m.version}`).sort();
    expect(listed).toEqual(['flight-delay@1', 'flight-delay@2', 'penguin-species@1']);
  });

  it('treats pushing the same bytes again as a no-op that returns the stored manifest', async () => {
    const registry = await freshRegistry();
    const first = await registry.push({
      name: 'flight-delay',
      version: '1',
      onnx: flightV1.onnx,
      metrics: { auc: 0.6 },
    });
    const again = await registry.push({
      name: 'flight-delay',
      version: '1',
      onnx: flightV1.onnx,
      metrics: { auc: 0.9 },
    });
    expect(again).toEqual({ manifest: first.manifest, created: false });
    expect((await registry.get('flight-delay', '1')).metrics).toEqual({ auc: 0.6 });
  });

  describe('evaluation at push', () => {
    const heldOutTest = (metrics: Record<string, unknown>) => metrics.test as Record<string, number>;

    it('scores a regression version on labelled records and records its RMSE gate verdict', async () => {
      const registry = await freshRegistry();
      const push = (version: string, gate: string) =>
        registry.push({
          name: 'car-mpg',
          version,
          onnx: carV1.onnx,
          featureSpec: carV1.featureSpec,
          evaluation: { source: 'holdout.jsonl', records: carV1.holdout, gate },
        });
      const rmse = heldOutTest(carV1.metrics).rmse;
      const { manifest } = await push('1', `RMSE <= ${rmse + 0.01}`);
      expect(manifest.evaluation).toMatchObject({
        rows: 80,
        metrics: { rmse: expect.closeTo(rmse, 5), r2: expect.closeTo(heldOutTest(carV1.metrics).r2, 5) },
        gate: { passed: true, checks: [{ metric: 'rmse', passed: true }] },
      });
      const rejected = (await push('2', `rmse <= ${rmse - 0.01}`)).manifest;
      expect(rejected.evaluation?.gate).toMatchObject({ passed: false, checks: [{ metric: 'rmse', passed: false }] });
      expect(await registry.find('car-mpg', '2')).toEqual(rejected);
    });

    it('scores a version pushed without a feature spec by its label output, records keyed by its inputs', async () => {
      const registry = await freshRegistry();
      const spec = parseFeatureSpec(penguinV1.featureSpec);
      const classes = spec.prediction.task === 'regression' ? [] : spec.prediction.classes;
      const features = applyFeatureSpec(
        spec,
        penguinV1.holdout.map(({ label: _label, ...fields }) => fields),
      )[0].data as Float32Array;
      const width = spec.featureNames.length;
      // The bare model answers class indices; without class labels for its probabilities, accuracy is all it gets.
      const records = penguinV1.holdout.map((r, row) => ({
        features: Array.from(features.subarray(row * width, (row + 1) * width)),
        label: classes.indexOf(r.label as string),
      }));
      const { manifest } = await registry.push({
        name: 'bare-penguins',
        version: '1',
        onnx: penguinV1.onnx,
        evaluation: { source: 'penguins.jsonl', records, gate: 'accuracy >= 0.9' },
      });
      expect(manifest.evaluation).toMatchObject({
        rows: 69,
        metrics: { accuracy: heldOutTest(penguinV1.metrics).accuracy },
        gate: { passed: true },
      });
      expect(Object.keys(manifest.evaluation?.metrics ?? {})).toEqual(['accuracy']);
    });

    it('refuses a gate on an unknown metric, or on one the evaluation does not measure, and stores nothing', async () => {
      const registry = await freshRegistry();
      const push = (gate: string) =>
        rejection(
          registry.push({
            name: 'flight-delay',
            version: '1',
            ...flightV1,
            evaluation: { source: 'holdout.jsonl', records: flightV1.holdout, gate },
          }),
        );
      expect((await push('precision >= 0.5')).message).toMatch(/^the gate names an unknown metric "precision"; known/);
      const unmeasured = await push('auc >= 0.5, rmse <= 1');
      expect(unmeasured.code).toBe('INVALID_ARGUMENT');
      expect(unmeasured.message).toBe(
        'the gate needs rmse, which this evaluation does not measure; it measures: auc, accuracy, logLoss, positiveRate, predictedPositiveRate, majorityAccuracy',
      );
      expect(await registry.find('flight-delay', '1')).toBeUndefined();
    });
  });

  it('refuses other bytes under an existing version with FAILED_PRECONDITION, keeping the stored version', async () => {
    const registry = await freshRegistry();
    const { manifest } = await registry.push({ name: 'flight-delay', version: '1', onnx: flightV1.onnx });
    const error = await rejection(registry.push({ name: 'flight-delay', version: '1', onnx: flightV2.onnx }));
    expect(error.code).toBe('FAILED_PRECONDITION');
    expect(error.message).toBe(
      'flight-delay version 1 already exists with another sha256; versions are immutable, push a new version',
    );
    expect(await registry.get('flight-delay', '1')).toEqual(manifest);
    expect(hex(await registry.fetchModel(manifest))).toBe(hex(flightV1.onnx));
  });

  it('refuses bytes that are not a loadable ONNX model with INVALID_ARGUMENT and stores nothing', async () => {
    const registry = await freshRegistry();
    const error = await rejection(
      registry.push({ name: 'broken', version: '1', onnx: new TextEncoder().encode('not onnx at all') }),
    );
    expect(error.code).toBe('INVALID_ARGUMENT');
    expect(error.message).toMatch(/^not a loadable ONNX model: /);
    expect(await registry.find('broken', '1')).toBeUndefined();
    expect(await registry.list()).toEqual([]);
  });

  it('refuses an upload whose checksum differs from the expected one, naming both, and stores nothing', async () => {
    const registry = await freshRegistry();
    const expected = 'f'.repeat(64);
    const error = await rejection(
      registry.push({ name: 'flight-delay', version: '1', onnx: flightV1.onnx, expectedSha256: expected }),
    );
    expect(error.code).toBe('INVALID_ARGUMENT');
    expect(error.message).toBe(
      `checksum mismatch: expected sha256 ${expected}, the upload hashes to ${hex(flightV1.onnx)}`,
    );
    expect(await registry.find('flight-delay', '1')).toBeUndefined();
  });

  it('accepts an expected checksum written in upper case', async () => {
    const registry = await freshRegistry();
    const { created } = await registry.push({
      name: 'flight-delay',
      version: '1',
      onnx: flightV1.onnx,
      expectedSha256: hex(flightV1.onnx).toUpperCase(),
    });
    expect(created).toBe(true);
  });

  it('refuses a feature spec that does not produce the inputs the model takes, and stores nothing', async () => {
    const registry = await freshRegistry();
    const error = await rejection(
      registry.push({ name: 'flight-delay', version: '1', onnx: flightV1.onnx, featureSpec: flightV2.featureSpec }),
    );
    expect(error.code).toBe('INVALID_ARGUMENT');
    expect(error.message).toBe(
      'the feature spec produces "features" FP32 [-1,128] but the model takes "features" FP32 [-1,3]',
    );
    expect(await registry.find('flight-delay', '1')).toBeUndefined();
  });

  it('refuses a feature spec that is not a valid spec', async () => {
    const registry = await freshRegistry();
    const error = await rejection(
      registry.push({ name: 'flight-delay', version: '1', onnx: flightV1.onnx, featureSpec: { specVersion: 1 } }),
    );
    expect(error.code).toBe('INVALID_ARGUMENT');
    expect(await registry.find('flight-delay', '1')).toBeUndefined();
  });

  it.each<[string, string, string]>([
    ['a model name with a dot', 'flight.delay', 'model name: '],
    ['a model name with a wildcard', 'A*', 'model name: '],
  ])('refuses %s before storing anything', async (_case, name, prefix) => {
    const registry = await freshRegistry();
    const error = await rejection(registry.push({ name, version: '1', onnx: flightV1.onnx }));
    expect(error.code).toBe('INVALID_ARGUMENT');
    expect(error.message.startsWith(prefix)).toBe(true);
  });

  it('refuses a version with a dot', async () => {
    const registry = await freshRegistry();
    const error = await rejection(registry.push({ name: 'flight-delay', version: '1.0', onnx: flightV1.onnx }));
    expect(error.message).toMatch(/^model version: /);
  });

  it('answers NOT_FOUND for a version that was never pushed', async () => {
    const registry = await freshRegistry();
    const error = await rejection(registry.get('flight-delay', '9'));
    expect(error.code).toBe('NOT_FOUND');
    expect(error.message).toBe('model "flight-delay" has no version "9"');
  });

  it('hands back the stored ONNX bytes, byte for byte', async () => {
    const registry = await freshRegistry();
    const { manifest } = await registry.push({ name: 'penguin-species', version: '1', onnx: penguinV1.onnx });
    expect(Buffer.from(await registry.fetchModel(manifest)).equals(Buffer.from(penguinV1.onnx))).toBe(true);
  });

  it('refuses to hand back stored bytes that no longer match the manifest checksum', async () => {
    const bucket = `spec_models_${++bucketCount}`;
    const store = await openObjectStore(js, bucket);
    const registry = new ModelRegistry(nc, await openKv(js, bucket), store);
    const { manifest } = await registry.push({ name: 'flight-delay', version: '1', onnx: flightV1.onnx });
    await store.putBlob({ name: manifest.objectName }, flightV2.onnx);
    const error = await rejection(registry.fetchModel(manifest));
    expect(error.code).toBe('INTERNAL');
    expect(error.message).toBe(
      `flight-delay version 1: stored bytes hash to ${hex(flightV2.onnx)}, manifest says ${manifest.sha256}`,
    );
  });

  it('answers NOT_FOUND when the bytes of a version are missing', async () => {
    const registry = await freshRegistry();
    const { manifest } = await registry.push({ name: 'flight-delay', version: '1', onnx: flightV1.onnx });
    const error = await rejection(registry.fetchModel({ ...manifest, objectName: 'flight-delay/404/model.onnx' }));
    expect(error.code).toBe('NOT_FOUND');
  });

  it('removes a version, its manifest and its bytes', async () => {
    const registry = await freshRegistry();
    const { manifest } = await registry.push({ name: 'flight-delay', version: '1', onnx: flightV1.onnx });
    await registry.remove('flight-delay', '1');
    expect(await registry.find('flight-delay', '1')).toBeUndefined();
    expect(await registry.list()).toEqual([]);
    expect((await rejection(registry.fetchModel(manifest))).code).toBe('NOT_FOUND');
    expect((await rejection(registry.remove('flight-delay', '1'))).code).toBe('NOT_FOUND');
  });

  it('lets a removed version be pushed again', async () => {
    const registry = await freshRegistry();
    await registry.push({ name: 'flight-delay', version: '1', onnx: flightV1.onnx });
    await registry.remove('flight-delay', '1');
    expect((await registry.push({ name: 'flight-delay', version: '1', onnx: flightV2.onnx })).created).toBe(true);
  });

  it('watches: delivers the manifests already stored, then new ones and deletions', async () => {
    const registry = await freshRegistry();
    await registry.push({ name: 'flight-delay', version: '1', onnx: flightV1.onnx });
    const changes: ManifestChange[] = [];
    const watcher = await registry.watch((change) => changes.push(change));
    try {
      await waitFor('the stored manifest', async () => changes.length === 1, 5_000);
      expect(changes[0]).toMatchObject({ kind: 'put', name: 'flight-delay', version: '1', manifest: { version: '1' } });

      await registry.push({ name: 'flight-delay', version: '2', onnx: flightV2.onnx });
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
      await registry.push({ name: 'flight-delay', version: '1', onnx: flightV1.onnx });
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

const sklearnFixtures = join(workspaceRoot(), '..', 'shared', 'fixtures', 'sklearn-onnx');
const withSklearnFixtures = existsSync(sklearnFixtures) ? describe : describe.skip;

withSklearnFixtures('ModelRegistry with scikit-learn exports whose probabilities are a ZipMap', () => {
  const fixture = (file: string) => new Uint8Array(readFileSync(join(sklearnFixtures, file)));
  const logreg = () => fixture('logreg_iris.onnx');

  it('serves the probability tensor under the same output name, and records the rewrite and the class labels', async () => {
    const registry = await freshRegistry();
    const upload = logreg();
    const { manifest, created } = await registry.push({ name: 'iris', version: '1', onnx: upload });
    expect(created).toBe(true);
    const served = await registry.fetchModel(manifest);
    expect(manifest).toMatchObject({
      objectName: 'iris/1/model.onnx',
      sha256: hex(served),
      sizeBytes: served.byteLength,
      originalSha256: hex(upload),
      rewrites: [{ output: 'output_probability', from: 'ZipMap', classLabels: [0, 1, 2] }],
      parameters: { classes: [0, 1, 2] },
      inputs: [{ name: 'X', datatype: 'FP32', shape: [-1, 2] }],
    });
    expect(manifest.outputs).toEqual(
      expect.arrayContaining([
        { name: 'output_label', datatype: 'INT64', shape: [-1] },
        { name: 'output_probability', datatype: 'FP32', shape: [-1, 3] },
      ]),
    );
    expect(hex(served)).not.toBe(hex(upload));
    expect(await registry.get('iris', '1')).toEqual(manifest);
  });

  it('keeps the upload, byte for byte, beside the served graph, and removes both together', async () => {
    const bucket = `spec_models_${++bucketCount}`;
    const store = await openObjectStore(js, bucket);
    const registry = new ModelRegistry(nc, await openKv(js, bucket), store);
    const upload = fixture('pipeline_titanic.onnx');
    await registry.push({ name: 'titanic', version: '1', onnx: upload });
    const original = await store.getBlob(originalObjectName('titanic', '1'));
    expect(original && Buffer.from(original).equals(Buffer.from(upload))).toBe(true);
    await registry.remove('titanic', '1');
    expect(await store.getBlob(originalObjectName('titanic', '1'))).toBeNull();
    expect(await store.getBlob('titanic/1/model.onnx')).toBeNull();
  });

  it('treats pushing the same upload again as a no-op, though what is served was rewritten', async () => {
    const registry = await freshRegistry();
    const first = await registry.push({ name: 'iris', version: '1', onnx: logreg() });
    const again = await registry.push({ name: 'iris', version: '1', onnx: logreg() });
    expect(again).toEqual({ manifest: first.manifest, created: false });
  });

  it('refuses another upload under a rewritten version with FAILED_PRECONDITION', async () => {
    const registry = await freshRegistry();
    await registry.push({ name: 'iris', version: '1', onnx: logreg() });
    const error = await rejection(registry.push({ name: 'iris', version: '1', onnx: fixture('rf_iris.onnx') }));
    expect(error.code).toBe('FAILED_PRECONDITION');
  });

  it('checks the expected checksum against the upload, not against the rewritten graph', async () => {
    const registry = await freshRegistry();
    const upload = logreg();
    const { created } = await registry.push({ name: 'iris', version: '1', onnx: upload, expectedSha256: hex(upload) });
    expect(created).toBe(true);
    const served = await registry.fetchModel(await registry.get('iris', '1'));
    const error = await rejection(
      registry.push({ name: 'iris', version: '2', onnx: upload, expectedSha256: hex(served) }),
    );
    expect(error.code).toBe('INVALID_ARGUMENT');
    expect(error.message).toMatch(/^checksum mismatch: /);
  });

  it('stores a model without ZipMap as uploaded, with no rewrite recorded', async () => {
    const registry = await freshRegistry();
    const upload = fixture('pipeline_titanic_nozipmap.onnx');
    const { manifest } = await registry.push({ name: 'titanic', version: '1', onnx: upload });
    expect(manifest.sha256).toBe(hex(upload));
    expect(manifest).not.toHaveProperty('originalSha256');
    expect(manifest).not.toHaveProperty('rewrites');
    expect(manifest).not.toHaveProperty('parameters');
  });
});

describe('ManifestCache', () => {
  it('starts with every stored manifest and follows pushes and removals, telling its listeners', async () => {
    const registry = await freshRegistry();
    await registry.push({ name: 'flight-delay', version: '1', onnx: flightV1.onnx });
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

      await registry.push({ name: 'flight-delay', version: '2', onnx: flightV2.onnx });
      await registry.push({ name: 'penguin-species', version: '1', onnx: penguinV1.onnx });
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
    const { manifest } = await registry.push({ name: 'flight-delay', version: '1', onnx: flightV1.onnx });
    const cache = new ManifestCache(registry);
    expect(cache.get('flight-delay', '1')).toBeUndefined();
    expect(await cache.resolve('flight-delay', '1')).toEqual(manifest);
    expect((await rejection(cache.resolve('flight-delay', '2'))).code).toBe('NOT_FOUND');
  });

  it('stops following the registry once stopped', async () => {
    const registry = await freshRegistry();
    const cache = new ManifestCache(registry);
    await cache.start();
    await registry.push({ name: 'flight-delay', version: '1', onnx: flightV1.onnx });
    await waitFor('the first manifest in the cache', async () => cache.all().length === 1, 5_000);
    cache.stop();
    await registry.push({ name: 'flight-delay', version: '2', onnx: flightV2.onnx });
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

describe('checkSpecFitsModel', () => {
  const spec = parseFeatureSpec(flightV1.featureSpec);

  it('accepts a model whose only input is the tensor the spec produces', () => {
    expect(() => checkSpecFitsModel(spec, [{ name: 'features', datatype: 'FP32', shape: [-1, 3] }])).not.toThrow();
    expect(() => checkSpecFitsModel(spec, [{ name: 'features', datatype: 'FP32', shape: [-1, -1] }])).not.toThrow();
  });

  it.each<[string, { name: string; datatype: 'FP32' | 'FP64'; shape: number[] }[]]>([
    ['another width', [{ name: 'features', datatype: 'FP32', shape: [-1, 4] }]],
    ['another datatype', [{ name: 'features', datatype: 'FP64', shape: [-1, 3] }]],
    ['another input name', [{ name: 'X', datatype: 'FP32', shape: [-1, 3] }]],
    ['another rank', [{ name: 'features', datatype: 'FP32', shape: [-1, 3, 1] }]],
    [
      'a second input',
      [
        { name: 'features', datatype: 'FP32', shape: [-1, 3] },
        { name: 'extra', datatype: 'FP32', shape: [-1, 1] },
      ],
    ],
  ])('rejects a model input with %s, describing both sides', (_case, inputs) => {
    try {
      checkSpecFitsModel(spec, inputs);
      throw new Error('expected a rejection');
    } catch (e) {
      expect(e).toBeInstanceOf(AviaryError);
      expect((e as AviaryError).code).toBe('INVALID_ARGUMENT');
      expect((e as AviaryError).message).toMatch(
        /^the feature spec produces "features" FP32 \[-1,3\] but the model takes "/,
      );
    }
  });
});

describe('sha256', () => {
  it('is the lowercase hex SHA-256 of the bytes', () => {
    expect(sha256(new TextEncoder().encode('abc'))).toBe(
      'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
    );
  });
});
