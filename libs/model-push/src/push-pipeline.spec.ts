import { AviaryError } from '@aviary/contracts';
import { parseJsonLines } from '@aviary/evaluation';
import { applyFeatureSpec, parseFeatureSpec } from '@aviary/features';
import { connectNats, openKv, openObjectStore } from '@aviary/messaging';
import { ModelRegistry, ServingPointers } from '@aviary/model-registry';
import {
  describeWithFixtures,
  NatsServer,
  rejection,
  sklearnFixturesDir,
  startNatsServer,
  workspaceRoot,
} from '@aviary/testing';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { JetStreamClient, NatsConnection } from 'nats';
import { PushPipeline } from './push-pipeline';
import { checkSpecFitsModel } from './spec-compatibility';

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

/** A pipeline on buckets of its own, so each test starts empty. */
async function fresh(): Promise<{ registry: ModelRegistry; pointers: ServingPointers; pipeline: PushPipeline }> {
  const bucket = `spec_models_${++bucketCount}`;
  const registry = new ModelRegistry(nc, await openKv(js, bucket), await openObjectStore(js, bucket));
  const pointers = new ServingPointers(await openKv(js, `${bucket}_serving`), registry);
  return { registry, pointers, pipeline: new PushPipeline(registry, pointers, 'spec') };
}

beforeAll(async () => {
  nats = await startNatsServer();
  nc = await connectNats(nats.url, 'model-push-spec');
  js = nc.jetstream();
});

afterAll(async () => {
  await nc?.drain();
  await nats?.stop();
});

describe('PushPipeline', () => {
  it('stores a pushed version and describes it: checksum, size, inputs, outputs, metrics and feature spec', async () => {
    const { registry, pipeline } = await fresh();
    const { manifest, created } = await pipeline.push({ name: 'flight-delay', version: '1', ...flightV1 });
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

  it('treats pushing the same bytes again as a no-op that returns the stored manifest', async () => {
    const { registry, pipeline } = await fresh();
    const first = await pipeline.push({
      name: 'flight-delay',
      version: '1',
      onnx: flightV1.onnx,
      metrics: { auc: 0.6 },
    });
    const again = await pipeline.push({
      name: 'flight-delay',
      version: '1',
      onnx: flightV1.onnx,
      metrics: { auc: 0.9 },
    });
    expect(again.manifest).toEqual(first.manifest);
    expect(again.created).toBe(false);
    expect((await registry.get('flight-delay', '1')).metrics).toEqual({ auc: 0.6 });
  });

  describe('evaluation at push', () => {
    const heldOutTest = (metrics: Record<string, unknown>) => metrics.test as Record<string, number>;

    it('scores a regression version on labelled records and records its RMSE gate verdict', async () => {
      const { registry, pipeline } = await fresh();
      const push = (version: string, gate: string) =>
        pipeline.push({
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
      const { pipeline } = await fresh();
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
      const { manifest } = await pipeline.push({
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
      const { registry, pipeline } = await fresh();
      const push = (gate: string) =>
        rejection(
          pipeline.push({
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
    const { registry, pipeline } = await fresh();
    const { manifest } = await pipeline.push({ name: 'flight-delay', version: '1', onnx: flightV1.onnx });
    const error = await rejection(pipeline.push({ name: 'flight-delay', version: '1', onnx: flightV2.onnx }));
    expect(error.code).toBe('FAILED_PRECONDITION');
    expect(error.message).toBe(
      'flight-delay version 1 already exists with another sha256; versions are immutable, push a new version',
    );
    expect(await registry.get('flight-delay', '1')).toEqual(manifest);
    expect(hex(await registry.fetchModel(manifest))).toBe(hex(flightV1.onnx));
  });

  it('refuses bytes that are not a loadable ONNX model with INVALID_ARGUMENT and stores nothing', async () => {
    const { registry, pipeline } = await fresh();
    const error = await rejection(
      pipeline.push({ name: 'broken', version: '1', onnx: new TextEncoder().encode('not onnx at all') }),
    );
    expect(error.code).toBe('INVALID_ARGUMENT');
    expect(error.message).toMatch(/^not a loadable ONNX model: /);
    expect(await registry.find('broken', '1')).toBeUndefined();
    expect(await registry.list()).toEqual([]);
  });

  it('refuses an upload whose checksum differs from the expected one, naming both, and stores nothing', async () => {
    const { registry, pipeline } = await fresh();
    const expected = 'f'.repeat(64);
    const error = await rejection(
      pipeline.push({ name: 'flight-delay', version: '1', onnx: flightV1.onnx, expectedSha256: expected }),
    );
    expect(error.code).toBe('INVALID_ARGUMENT');
    expect(error.message).toBe(
      `checksum mismatch: expected sha256 ${expected}, the upload hashes to ${hex(flightV1.onnx)}`,
    );
    expect(await registry.find('flight-delay', '1')).toBeUndefined();
  });

  it('accepts an expected checksum written in upper case', async () => {
    const { pipeline } = await fresh();
    const { created } = await pipeline.push({
      name: 'flight-delay',
      version: '1',
      onnx: flightV1.onnx,
      expectedSha256: hex(flightV1.onnx).toUpperCase(),
    });
    expect(created).toBe(true);
  });

  it('refuses a feature spec that does not produce the inputs the model takes, and stores nothing', async () => {
    const { registry, pipeline } = await fresh();
    const error = await rejection(
      pipeline.push({ name: 'flight-delay', version: '1', onnx: flightV1.onnx, featureSpec: flightV2.featureSpec }),
    );
    expect(error.code).toBe('INVALID_ARGUMENT');
    expect(error.message).toBe(
      'the feature spec produces "features" FP32 [-1,128] but the model takes "features" FP32 [-1,3]',
    );
    expect(await registry.find('flight-delay', '1')).toBeUndefined();
  });

  it('refuses a feature spec that is not a valid spec', async () => {
    const { registry, pipeline } = await fresh();
    const error = await rejection(
      pipeline.push({ name: 'flight-delay', version: '1', onnx: flightV1.onnx, featureSpec: { specVersion: 1 } }),
    );
    expect(error.code).toBe('INVALID_ARGUMENT');
    expect(await registry.find('flight-delay', '1')).toBeUndefined();
  });

  it.each<[string, string, string]>([
    ['a model name with a dot', 'flight.delay', 'model name: '],
    ['a model name with a wildcard', 'A*', 'model name: '],
  ])('refuses %s before storing anything', async (_case, name, prefix) => {
    const { pipeline } = await fresh();
    const error = await rejection(pipeline.push({ name, version: '1', onnx: flightV1.onnx }));
    expect(error.code).toBe('INVALID_ARGUMENT');
    expect(error.message.startsWith(prefix)).toBe(true);
  });

  it('refuses a version with a dot', async () => {
    const { pipeline } = await fresh();
    const error = await rejection(pipeline.push({ name: 'flight-delay', version: '1.0', onnx: flightV1.onnx }));
    expect(error.message).toMatch(/^model version: /);
  });

  it('lets a removed version be pushed again', async () => {
    const { registry, pipeline } = await fresh();
    await pipeline.push({ name: 'flight-delay', version: '1', onnx: flightV1.onnx });
    await registry.remove('flight-delay', '1');
    expect((await pipeline.push({ name: 'flight-delay', version: '1', onnx: flightV2.onnx })).created).toBe(true);
  });
});

describe('PushPipeline serving rule', () => {
  it('serves the first version of a model that has none, and keeps later versions ready', async () => {
    const { pipeline, pointers } = await fresh();
    const first = await pipeline.push({ name: 'flight-delay', version: '1', onnx: flightV1.onnx });
    expect(first.serving).toMatchObject({ version: '1', by: 'spec' });
    const second = await pipeline.push({ name: 'flight-delay', version: '2', onnx: flightV2.onnx });
    expect(second.serving?.version).toBe('1');
    expect((await pointers.get('flight-delay'))?.version).toBe('1');
  });

  it('leaves the pointer alone with "never", and moves it with "always", naming the version it replaced', async () => {
    const { pipeline, pointers } = await fresh();
    expect((await pipeline.push({ name: 'm', version: '1', onnx: flightV1.onnx, serve: 'never' })).serving).toBe(
      undefined,
    );
    expect(await pointers.get('m')).toBeUndefined();
    await pipeline.push({ name: 'm', version: '2', onnx: flightV2.onnx });
    const moved = await pipeline.push({ name: 'm', version: '1', onnx: flightV1.onnx, serve: 'always' });
    expect(moved).toMatchObject({ created: false, serving: { version: '1' }, replaced: '2' });
  });

  it('never serves a version its quality gate rejected, even as the first of its model', async () => {
    const { pipeline, pointers } = await fresh();
    const rejected = await pipeline.push({
      name: 'flight-delay',
      version: '1',
      ...flightV1,
      evaluation: { source: 'holdout.jsonl', records: flightV1.holdout, gate: 'auc >= 0.99' },
    });
    expect(rejected.manifest.evaluation?.gate?.passed).toBe(false);
    expect(rejected.serving).toBeUndefined();
    expect(await pointers.get('flight-delay')).toBeUndefined();
  });

  it('serves exactly one of two first versions pushed at once', async () => {
    const { pipeline, pointers } = await fresh();
    const outcomes = await Promise.all([
      pipeline.push({ name: 'flight-delay', version: '1', onnx: flightV1.onnx }),
      pipeline.push({ name: 'flight-delay', version: '2', onnx: flightV2.onnx }),
    ]);
    const serving = (await pointers.get('flight-delay'))?.version;
    expect(['1', '2']).toContain(serving);
    expect(outcomes.map((o) => o.serving?.version)).toEqual([serving, serving]);
  });
});

const sklearnFixtures = sklearnFixturesDir();

describeWithFixtures(sklearnFixtures, 'PushPipeline with scikit-learn exports whose probabilities are a ZipMap', () => {
  const fixture = (file: string) => new Uint8Array(readFileSync(join(sklearnFixtures, file)));
  const logreg = () => fixture('logreg_iris.onnx');

  it('serves the probability tensor under the same output name, and records the rewrite and the class labels', async () => {
    const { registry, pipeline } = await fresh();
    const upload = logreg();
    const { manifest, created } = await pipeline.push({ name: 'iris', version: '1', onnx: upload });
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

  it('treats pushing the same upload again as a no-op, though what is served was rewritten', async () => {
    const { pipeline } = await fresh();
    const first = await pipeline.push({ name: 'iris', version: '1', onnx: logreg() });
    const again = await pipeline.push({ name: 'iris', version: '1', onnx: logreg() });
    expect(again.manifest).toEqual(first.manifest);
    expect(again.created).toBe(false);
  });

  it('refuses another upload under a rewritten version with FAILED_PRECONDITION', async () => {
    const { pipeline } = await fresh();
    await pipeline.push({ name: 'iris', version: '1', onnx: logreg() });
    const error = await rejection(pipeline.push({ name: 'iris', version: '1', onnx: fixture('rf_iris.onnx') }));
    expect(error.code).toBe('FAILED_PRECONDITION');
  });

  it('checks the expected checksum against the upload, not against the rewritten graph', async () => {
    const { registry, pipeline } = await fresh();
    const upload = logreg();
    const { created } = await pipeline.push({ name: 'iris', version: '1', onnx: upload, expectedSha256: hex(upload) });
    expect(created).toBe(true);
    const served = await registry.fetchModel(await registry.get('iris', '1'));
    const error = await rejection(
      pipeline.push({ name: 'iris', version: '2', onnx: upload, expectedSha256: hex(served) }),
    );
    expect(error.code).toBe('INVALID_ARGUMENT');
    expect(error.message).toMatch(/^checksum mismatch: /);
  });

  it('stores a model without ZipMap as uploaded, with no rewrite recorded', async () => {
    const { pipeline } = await fresh();
    const upload = fixture('pipeline_titanic_nozipmap.onnx');
    const { manifest } = await pipeline.push({ name: 'titanic', version: '1', onnx: upload });
    expect(manifest.sha256).toBe(hex(upload));
    expect(manifest).not.toHaveProperty('originalSha256');
    expect(manifest).not.toHaveProperty('rewrites');
    expect(manifest).not.toHaveProperty('parameters');
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
