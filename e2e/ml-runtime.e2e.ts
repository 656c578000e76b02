// Readers do not load the ML runtime: the model store, the gateway, preprocessor and rollout controller, and
// `aviary models list` start without onnxruntime-node's native library (only inference and the push pipeline need it).
import { NatsServer, startNatsServer, workspaceRoot } from '@aviary/testing';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = workspaceRoot();
const dist = (...path: string[]) => join(root, 'dist', ...path);
let dir: string;
let reporter: string;

/** Runs node on `args` with a preload that prints, as the process exits, which ML modules it had loaded. */
function loadedModules(args: string[], env: NodeJS.ProcessEnv = {}): string[] {
  const result = spawnSync(process.execPath, ['--require', reporter, ...args], {
    cwd: root,
    env: { ...process.env, ...env },
    encoding: 'utf8',
  });
  const line = result.stderr.split('\n').find((l) => l.startsWith('ML-MODULES '));
  if (!line) throw new Error(`no report from ${args.join(' ')}:\n${result.stdout}${result.stderr}`);
  return JSON.parse(line.slice('ML-MODULES '.length)) as string[];
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'aviary-ml-runtime-'));
  reporter = join(dir, 'report.js');
  writeFileSync(
    reporter,
    `process.on('exit', () => {
      const ml = /node_modules\\/(onnxruntime-node)\\/|dist\\/libs\\/(inference-engine|evaluation|onnx-graph|model-push)\\//;
      const names = Object.keys(require.cache).map((path) => path.match(ml)).filter(Boolean).map((m) => m[1] ?? m[2]);
      process.stderr.write('ML-MODULES ' + JSON.stringify([...new Set(names)].sort()) + '\\n');
    });`,
  );
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('the ML runtime', () => {
  it('is not loaded by @aviary/model-registry, nor the push pipeline, evaluation or graph libraries', () => {
    expect(
      loadedModules(['-e', `require(${JSON.stringify(dist('libs', 'model-registry', 'src', 'index.js'))})`]),
    ).toEqual([]);
  });

  it.each(['gateway', 'preprocessor', 'rollout-controller', 'flags'])(
    'is not loaded by the %s with everything its entry module imports',
    (service) => {
      // A bad port ends the service right after its modules are imported and before it listens.
      const loaded = loadedModules([dist('apps', service, 'src', 'main.js')], { AVIARY_HTTP_PORT: 'not-a-port' });
      expect(loaded).not.toContain('onnxruntime-node');
      expect(loaded).not.toContain('model-push');
    },
  );

  describe('against a real nats-server', () => {
    let nats: NatsServer;
    beforeAll(async () => {
      nats = await startNatsServer();
    });
    afterAll(async () => nats?.stop());

    it('is not loaded by `aviary models list`', () => {
      expect(loadedModules([dist('apps', 'cli', 'src', 'main.js'), 'models', 'list'], { NATS_URL: nats.url })).toEqual(
        [],
      );
    });

    it('is loaded by `aviary models push`, which validates the model in it', () => {
      const onnx = join(root, 'models', 'flight-delay', '1', 'model.onnx');
      const args = ['models', 'push', onnx, '--name', 'ml-check', '--version', '1', '--no-serve'];
      expect(loadedModules([dist('apps', 'cli', 'src', 'main.js'), ...args], { NATS_URL: nats.url })).toEqual(
        expect.arrayContaining(['onnxruntime-node', 'model-push']),
      );
    });
  });
});
