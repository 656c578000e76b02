// The edge agent as a single executable (`npm run build:edge-sea`), built into a temp dir and run with nothing but
// its node_modules/ beside it: from a bundle it answers as `node dist/apps/edge/src/main.js` does for the same
// requests, on a site's buckets it loads the lazily imported NATS client too, and it stops cleanly on SIGTERM.
import {
  appEntry,
  freePort,
  ManagedProcess,
  NatsServer,
  runCli,
  spawnManaged,
  startNatsServer,
  waitFor,
  workspaceRoot,
} from '@aviary/testing';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FLIGHT, getJson, JsonResponse, postJson } from './support';

const root = workspaceRoot();
const SITE = 'site-sea';

/** An agent as a process, ready once its /health/ready answers. */
async function startAgent(
  name: string,
  command: string,
  args: string[],
  env: NodeJS.ProcessEnv,
): Promise<{ url: string; process: ManagedProcess }> {
  const port = await freePort();
  // Away from the workspace: the executable must find all it needs beside itself, none of it in ./node_modules.
  const agent = spawnManaged(name, command, args, {
    env: { ...process.env, AVIARY_HOST: '127.0.0.1', AVIARY_HTTP_PORT: String(port), ...env },
    cwd: tmpdir(),
  });
  const url = `http://127.0.0.1:${port}`;
  await waitFor(`${name} to be ready`, async () => (await fetch(`${url}/health/ready`)).ok, 30_000, agent);
  return { url, process: agent };
}

const withoutTraceId = ({ body, status }: JsonResponse) => ({ status, body: { ...body, traceId: undefined } });

describe('edge agent as a single executable', () => {
  const dir = mkdtempSync(join(tmpdir(), 'aviary-edge-sea-'));
  const out = join(dir, 'sea');
  const executable = join(out, 'aviary-edge');
  const bundle = join(dir, 'bundle');
  let nats: NatsServer;
  const cli = (args: string[]) => runCli(args, { NATS_URL: nats.url });

  beforeAll(async () => {
    nats = await startNatsServer({ storeDir: join(dir, 'js') });
    expect(cli(['models', 'seed', join(root, 'models')])).toMatchObject({ code: 0 });
    expect(
      cli(['edge', 'bundle', '--model', 'flight-delay', '--model', 'penguin-species', '--out', bundle]),
    ).toMatchObject({ code: 0 });
    const built = spawnSync(process.execPath, [join(root, 'dist/tools/edge-sea/src/main.js'), '--out', out], {
      encoding: 'utf8',
    });
    expect({ code: built.status, output: built.stdout + built.stderr }).toMatchObject({ code: 0 });
  }, 60_000);

  afterAll(async () => {
    await nats?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('ships the executable with only this platform’s CPU ONNX Runtime binaries beside it', () => {
    expect(statSync(executable).mode & 0o111).toBeTruthy();
    const bin = join(out, 'node_modules/onnxruntime-node/bin/napi-v6');
    expect(readdirSync(bin)).toEqual([process.platform]);
    expect(readdirSync(join(bin, process.platform))).toEqual([process.arch]);
    expect(readdirSync(join(bin, process.platform, process.arch)).sort()).toEqual([
      'libonnxruntime.so.1',
      'onnxruntime_binding.node',
    ]);
  });

  it('answers predict and OIP infer from a bundle as the node-run agent does, and stops cleanly on SIGTERM', async () => {
    const features = Array.from({ length: 128 }, (_, i) => (i % 5 === 0 ? 1 : 0));
    const requests: [string, unknown][] = [
      ['/v1/models/flight-delay/predict', { instances: [FLIGHT, { ...FLIGHT, distance: 300, origin: 'LAX' }] }],
      [
        '/v2/models/flight-delay/infer',
        { inputs: [{ name: 'features', datatype: 'FP32', shape: [1, 128], data: features }] },
      ],
      ['/v1/models/flight-delay/predict', { instances: [{ ...FLIGHT, distance: 'far' }] }],
    ];
    const answers = async (url: string) => {
      const all: unknown[] = [];
      for (const [path, body] of requests) all.push({ path, ...withoutTraceId(await postJson(`${url}${path}`, body)) });
      return all;
    };
    const env = { AVIARY_EDGE_BUNDLE: bundle };
    const node = await startAgent('edge (node)', process.execPath, [appEntry('edge')], env);
    const expected = await answers(node.url).finally(() => node.process.stop());
    const sea = await startAgent('edge (sea)', executable, [], env);
    try {
      expect(await answers(sea.url)).toEqual(expected);
      expect((expected[0] as JsonResponse).status).toBe(200);
      expect((await getJson(`${sea.url}/health/ready`)).status).toBe(200);
    } finally {
      sea.process.child.kill('SIGTERM');
    }
    expect(await sea.process.exited).toBe(0);
    expect(sea.process.output()).toContain('edge stopped');
  });

  it('serves from a site’s buckets over NATS, the client loaded lazily from inside the executable', async () => {
    const sea = await startAgent('edge (sea, nats)', executable, [], { NATS_URL: nats.url, AVIARY_SITE: SITE });
    try {
      const answer = await postJson(`${sea.url}/v1/models/flight-delay/predict`, { instances: [FLIGHT] });
      expect(answer.status).toBe(200);
      expect((await getJson(`${sea.url}/v1/edge/status`)).body.models).toContainEqual({
        model: 'flight-delay',
        version: '2',
      });
    } finally {
      await sea.process.stop();
    }
  });
});
