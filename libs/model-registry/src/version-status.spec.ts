import { ModelManifest, ReplicaStatus, subjects } from '@aviary/contracts';
import { connectNats } from '@aviary/messaging';
import { NatsServer, rejection, startNatsServer } from '@aviary/testing';
import { compareVersions } from './serving-version';
import { collectReplicaStatus, summarizeVersions } from './version-status';

const manifest = (name: string, version: string): ModelManifest => ({
  name,
  version,
  platform: 'onnxruntime',
  objectName: `${name}/${version}/model.onnx`,
  sha256: version
    .padStart(64, '0')
    .slice(-64)
    .replace(/[^0-9a-f]/g, '0'),
  sizeBytes: 100,
  inputs: [{ name: 'features', datatype: 'FP32', shape: [-1, 3] }],
  outputs: [{ name: 'label', datatype: 'INT64', shape: [-1] }],
  metrics: { auc: 0.6 },
  createdAt: '2025-01-01T00:00:00.000Z',
});

const replica = (name: string, ...versions: ReplicaStatus['versions']): ReplicaStatus => ({ replica: name, versions });

describe('compareVersions', () => {
  it('orders whole-number versions by value, not as text', () => {
    expect(compareVersions('10', '9')).toBeGreaterThan(0);
    expect(compareVersions('2', '10')).toBeLessThan(0);
    expect(compareVersions('3', '3')).toBe(0);
  });

  it('orders other versions as text', () => {
    expect(compareVersions('beta', 'alpha')).toBeGreaterThan(0);
    expect(compareVersions('2024-06-01', '2024-12-01')).toBeLessThan(0);
  });

  it('sorts a mixed list into one consistent order', () => {
    expect(['10', '2', 'rc1', '1'].sort(compareVersions)).toEqual(['1', '2', '10', 'rc1']);
  });
});

describe('compareVersions as a sort order', () => {
  it('sorts the same whatever order the versions arrive in, numeric and named versions mixed', () => {
    const permutations = [
      ['2', '10', '1a'],
      ['1a', '10', '2'],
      ['10', '2', '1a'],
      ['1a', '2', '10'],
      ['2', '1a', '10'],
      ['10', '1a', '2'],
    ];
    const sorted = permutations.map((order) => [...order].sort(compareVersions).join(' '));
    expect(new Set(sorted)).toEqual(new Set(['1a 2 10']));
  });
});

describe('summarizeVersions', () => {
  const manifests = [manifest('flight-delay', '2'), manifest('penguin-species', '1'), manifest('flight-delay', '1')];

  it('calls a version ready when any replica has it ready, counting those replicas', () => {
    const summary = summarizeVersions(manifests, [
      replica('a', { model: 'flight-delay', version: '1', state: 'ready' }),
      replica(
        'b',
        { model: 'flight-delay', version: '1', state: 'ready' },
        { model: 'flight-delay', version: '2', state: 'failed', reason: 'oom' },
      ),
      replica('c', { model: 'flight-delay', version: '2', state: 'ready' }),
    ]);
    expect(summary.map((s) => [s.name, s.version, s.state, s.readyReplicas])).toEqual([
      ['flight-delay', '1', 'ready', 2],
      ['flight-delay', '2', 'ready', 1],
      ['penguin-species', '1', 'unserved', 0],
    ]);
    expect(summary[1].reason).toBeUndefined();
  });

  it('calls a version rejected when its quality gate failed, naming the figures', () => {
    const rejected: ModelManifest = {
      ...manifest('m', '2'),
      evaluation: {
        source: 'eval.jsonl',
        rows: 100,
        metrics: { auc: 0.61 },
        gate: {
          expression: 'auc >= 0.7',
          passed: false,
          checks: [{ metric: 'auc', operator: '>=', threshold: 0.7, value: 0.61, passed: false }],
        },
      },
    };
    const [summary] = summarizeVersions([rejected], []);
    expect(summary).toMatchObject({
      state: 'rejected',
      readyReplicas: 0,
      reason: 'quality gate: auc 0.61 fails >= 0.7',
      evaluation: { rows: 100, metrics: { auc: 0.61 } },
    });
  });

  it('calls a version loading while a replica still loads it and none has it ready', () => {
    const [summary] = summarizeVersions(
      [manifest('m', '1')],
      [
        replica('a', { model: 'm', version: '1', state: 'failed', reason: 'bad' }),
        replica('b', { model: 'm', version: '1', state: 'loading' }),
      ],
    );
    expect(summary).toMatchObject({ state: 'loading', readyReplicas: 0 });
    expect(summary.reason).toBeUndefined();
  });

  it('calls a version failed only when every replica that knows it failed, with each distinct reason once', () => {
    const [summary] = summarizeVersions(
      [manifest('m', '1')],
      [
        replica('a', { model: 'm', version: '1', state: 'failed', reason: 'out of memory' }),
        replica('b', { model: 'm', version: '1', state: 'failed', reason: 'out of memory' }),
        replica('c', { model: 'm', version: '1', state: 'failed' }),
        replica('d'),
      ],
    );
    expect(summary).toMatchObject({ state: 'failed', readyReplicas: 0, reason: 'out of memory; unknown reason' });
  });

  it('calls a version unserved when no replica knows it, and carries its checksum and metrics', () => {
    const [summary] = summarizeVersions([manifest('m', '7')], []);
    expect(summary).toEqual({
      name: 'm',
      version: '7',
      state: 'unserved',
      readyReplicas: 0,
      sha256: manifest('m', '7').sha256,
      metrics: { auc: 0.6 },
    });
  });

  it('orders by model name, then by version value', () => {
    const summary = summarizeVersions([manifest('b', '10'), manifest('a', '2'), manifest('b', '9')], []);
    expect(summary.map((s) => `${s.name}@${s.version}`)).toEqual(['a@2', 'b@9', 'b@10']);
  });
});

describe('collectReplicaStatus against a real nats-server', () => {
  let nats: NatsServer;

  beforeAll(async () => {
    nats = await startNatsServer();
  });

  afterAll(async () => {
    await nats?.stop();
  });

  it('collects the answer of every replica, reporting and skipping one it cannot read', async () => {
    const replicas = await Promise.all(
      ['inference-1', 'inference-2', 'inference-3'].map((name) => connectNats(nats.url, name)),
    );
    const caller = await connectNats(nats.url, 'status-caller');
    try {
      replicas.forEach((nc, i) => {
        nc.subscribe(subjects.inferenceStatus, {
          callback: (_err, msg) => {
            const status = replica(`inference-${i + 1}`, { model: 'm', version: '1', state: 'ready' });
            msg.respond(new TextEncoder().encode(i === 2 ? '{"replica":7}' : JSON.stringify(status)));
          },
        });
      });
      await Promise.all(replicas.map((nc) => nc.flush()));
      const problems: string[] = [];
      const statuses = await collectReplicaStatus(caller, 300, (problem) => problems.push(problem));
      expect(statuses.map((s) => s.replica).sort()).toEqual(['inference-1', 'inference-2']);
      expect(problems).toEqual([expect.stringMatching(/^skipping a replica status: .*replica/)]);
      expect(statuses[0].versions).toEqual([{ model: 'm', version: '1', state: 'ready' }]);
    } finally {
      await Promise.all([...replicas, caller].map((nc) => nc.close()));
    }
  });

  it('fails with UNAVAILABLE rather than reporting no replicas when the connection is gone', async () => {
    const caller = await connectNats(nats.url, 'status-caller');
    await caller.close();
    expect(await rejection(collectReplicaStatus(caller, 200))).toMatchObject({ code: 'UNAVAILABLE' });
  });

  it('reports no replicas when none answers', async () => {
    const caller = await connectNats(nats.url, 'status-caller');
    try {
      expect(await collectReplicaStatus(caller, 200)).toEqual([]);
    } finally {
      await caller.close();
    }
  });
});
