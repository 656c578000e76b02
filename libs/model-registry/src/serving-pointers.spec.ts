import { buckets, ModelManifest, modelObjectName } from '@aviary/contracts';
import { connectNats, openKv } from '@aviary/messaging';
import { NatsServer, rejection, startNatsServer, waitFor } from '@aviary/testing';
import { NatsConnection } from 'nats';
import { ModelRegistry, sha256 } from './model-registry';
import { ServingPointers } from './serving-pointers';

const onnx = new TextEncoder().encode('the store does not look inside');
const manifest = (name: string, version: string, gatePassed?: boolean): ModelManifest => ({
  name,
  version,
  platform: 'onnxruntime',
  objectName: modelObjectName(name, version),
  sha256: sha256(onnx),
  sizeBytes: onnx.byteLength,
  inputs: [{ name: 'features', datatype: 'FP32', shape: [-1, 3] }],
  outputs: [{ name: 'label', datatype: 'INT64', shape: [-1] }],
  metrics: {},
  createdAt: new Date().toISOString(),
  ...(gatePassed !== undefined && {
    evaluation: {
      source: 'holdout',
      rows: 400,
      metrics: { auc: 0.6 },
      gate: {
        expression: 'auc >= 0.99',
        passed: gatePassed,
        checks: [{ metric: 'auc', operator: '>=', threshold: 0.99, value: 0.6, passed: gatePassed }],
      },
    },
  }),
});

let nats: NatsServer;
let nc: NatsConnection;
let registry: ModelRegistry;
let pointers: ServingPointers;

beforeAll(async () => {
  nats = await startNatsServer();
  nc = await connectNats(nats.url, 'serving-pointers-spec');
  registry = await ModelRegistry.open(nc);
  pointers = await ServingPointers.open(registry);
  for (const stored of [manifest('m', '1'), manifest('m', '2', false), manifest('other', '1'), manifest('c', '1')])
    await registry.store({ manifest: stored, served: onnx });
  for (let version = 1; version <= 8; version++)
    await registry.store({ manifest: manifest('race', String(version)), served: onnx });
});

afterAll(async () => {
  await nc?.close();
  await nats?.stop();
});

describe('ServingPointers', () => {
  it('points a model at a version, saying who moved it, and lists every pointer', async () => {
    expect(await pointers.get('m')).toBeUndefined();
    await pointers.serve('m', '1', 'spec');
    await pointers.serve('other', '1', 'spec');
    expect(await pointers.get('m')).toMatchObject({ version: '1', by: 'spec', since: expect.any(String) });
    expect([...(await pointers.all()).keys()].sort()).toEqual(['m', 'other']);
  });

  it('refuses a version that does not exist or that its quality gate rejected, keeping the pointer', async () => {
    expect((await rejection(pointers.serve('m', '9', 'spec'))).code).toBe('NOT_FOUND');
    const refused = await rejection(pointers.serve('m', '2', 'spec'));
    expect(refused).toMatchObject({
      code: 'FAILED_PRECONDITION',
      message: expect.stringMatching(/rejected by its quality gate \(auc 0\.\d+ fails >= 0\.99\)/),
    });
    expect((await pointers.get('m'))?.version).toBe('1');
  });

  it('tells watchers about every move', async () => {
    const seen: string[] = [];
    const watch = await pointers.watch((model, pointer) => seen.push(`${model}=${pointer?.version}`));
    try {
      await pointers.serve('other', '1', 'again');
      await waitFor(
        'the move to reach the watcher',
        async () => seen.filter((s) => s === 'other=1').length >= 2,
        5_000,
      );
      expect(seen).toContain('m=1');
    } finally {
      watch.stop();
    }
  });

  it('reports an unreadable pointer to the registry and keeps the last good one for its watchers', async () => {
    const problems: string[] = [];
    const reporting = await ServingPointers.open(await ModelRegistry.open(nc, (p) => problems.push(p)));
    const seen: string[] = [];
    const watch = await reporting.watch((model, pointer) => seen.push(`${model}=${pointer?.version}`));
    try {
      const kv = await openKv(nc.jetstream(), buckets.serving);
      await kv.put('garbled', 'not a pointer');
      await waitFor('the problem to be reported', async () => problems.length > 0, 5_000);
      expect(problems).toEqual([expect.stringMatching(/^ignoring serving pointer garbled: /)]);
      expect(seen.some((s) => s.startsWith('garbled='))).toBe(false);
      expect((await reporting.all()).has('garbled')).toBe(false);
      expect(problems).toHaveLength(2);
      await kv.delete('garbled');
    } finally {
      watch.stop();
    }
  });

  it('claims a model that has no serving version, and leaves one that has alone', async () => {
    expect(await pointers.claim('c', '1', 'push')).toMatchObject({
      claimed: true,
      pointer: { version: '1', by: 'push' },
    });
    expect(await pointers.claim('m', '1', 'push')).toMatchObject({
      claimed: false,
      pointer: { version: '1', by: 'spec' },
    });
    expect((await rejection(pointers.claim('fresh', '1', 'push'))).code).toBe('NOT_FOUND');
  });

  it('never lets a rejected version claim a model', async () => {
    expect((await rejection(pointers.claim('m', '2', 'push'))).code).toBe('FAILED_PRECONDITION');
  });

  it('lets exactly one of many concurrent claims win, each on its own connection', async () => {
    const connections = await Promise.all(
      Array.from({ length: 8 }, (_, i) => connectNats(nats.url, `serving-pointers-spec-${i}`)),
    );
    try {
      const claims = await Promise.all(
        connections.map(async (connection, i) => {
          const own = await ServingPointers.open(await ModelRegistry.open(connection));
          return own.claim('race', String(i + 1), `claimer-${i + 1}`);
        }),
      );
      const winners = claims.filter((c) => c.claimed);
      expect(winners).toHaveLength(1);
      const serving = (await pointers.get('race'))?.version;
      expect(winners[0].pointer.version).toBe(serving);
      expect(claims.every((c) => c.pointer.version === serving)).toBe(true);
    } finally {
      await Promise.all(connections.map((c) => c.close()));
    }
  });
});
