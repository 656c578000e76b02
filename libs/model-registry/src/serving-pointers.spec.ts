import { connectNats } from '@aviary/messaging';
import { NatsServer, rejection, startNatsServer, waitFor, workspaceRoot } from '@aviary/testing';
import { NatsConnection } from 'nats';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ModelRegistry } from './model-registry';
import { ServingPointers } from './serving-pointers';

const bundle = join(workspaceRoot(), 'models', 'flight-delay', '2');
const onnx = readFileSync(join(bundle, 'model.onnx'));
const featureSpec = JSON.parse(readFileSync(join(bundle, 'feature-spec.json'), 'utf8'));
const records = readFileSync(join(bundle, 'holdout.jsonl'), 'utf8')
  .trim()
  .split('\n')
  .slice(0, 400)
  .map((l) => JSON.parse(l));

let nats: NatsServer;
let nc: NatsConnection;
let registry: ModelRegistry;
let pointers: ServingPointers;

beforeAll(async () => {
  nats = await startNatsServer();
  nc = await connectNats(nats.url, 'serving-pointers-spec');
  registry = await ModelRegistry.open(nc);
  pointers = await ServingPointers.open(registry);
  await registry.push({ name: 'm', version: '1', onnx });
  await registry.push({
    name: 'm',
    version: '2',
    onnx,
    featureSpec,
    evaluation: { source: 'holdout', records, gate: 'auc >= 0.99' },
  });
  await registry.push({ name: 'other', version: '1', onnx });
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
});
