// The edge agent as a real process. From a bundle made by `aviary edge bundle`, with no NATS running at all, it
// answers predict and OIP infer as the gateway's full path does, and refuses a tampered bundle. From a (leaf) site's
// buckets it moves to a new serving version only after warm-up and smoke check, refuses one that fails its smoke
// check, and switches back by itself from one that fails in probation, reporting every switch.
import { decodePredictionLog, PredictionLogRecord, streams, subjects } from '@aviary/contracts';
import { connectNats } from '@aviary/messaging';
import {
  appEntry,
  freePort,
  ManagedProcess,
  NatsServer,
  runCli,
  spawnManaged,
  Stack,
  startNatsServer,
  startStack,
  waitFor,
  workspaceRoot,
  writeFaultyFlightDelay,
} from '@aviary/testing';
import { NatsConnection, StoredMsg } from 'nats';
import { copyFileSync, cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FLIGHT, getJson, JsonResponse, postJson } from './support';

const root = workspaceRoot();
const SITE = 'site-e2e';
const PENGUIN = {
  island: 'Biscoe',
  beak_length_mm: 45.2,
  beak_depth_mm: 14.8,
  flipper_length_mm: 212,
  body_mass_g: 5200,
  sex: 'FEMALE',
};
const holdout = readFileSync(join(root, 'models/flight-delay/2/holdout.jsonl'), 'utf8')
  .split('\n')
  .filter(Boolean)
  .map((line) => JSON.parse(line) as Record<string, unknown> & { distance: number });

const VERSION_FLAGS = {
  flags: {
    'model.flight-delay': {
      state: 'ENABLED',
      variants: { current: '2', old: '1' },
      defaultVariant: 'current',
      targeting: { if: [{ '==': [{ var: 'tier' }, 'old'] }, 'old', null] },
    },
  },
};

/** The agent as a process, ready once its /health/ready answers. */
async function startEdge(
  env: NodeJS.ProcessEnv,
  nodeArgs: string[] = [],
): Promise<{ url: string; process: ManagedProcess }> {
  const port = await freePort();
  const edge = spawnManaged('edge', process.execPath, [...nodeArgs, appEntry('edge')], {
    env: { ...process.env, AVIARY_HOST: '127.0.0.1', AVIARY_HTTP_PORT: String(port), ...env },
    cwd: root,
  });
  const url = `http://127.0.0.1:${port}`;
  await waitFor('the edge agent to be ready', async () => (await fetch(`${url}/health/ready`)).ok, 30_000, edge);
  return { url, process: edge };
}

const withoutTraceId = ({ body, status }: JsonResponse) => ({ status, body: { ...body, traceId: undefined } });

describe('edge agent from a bundle, offline', () => {
  const dir = mkdtempSync(join(tmpdir(), 'aviary-edge-'));
  const bundle = join(dir, 'bundle');
  const records = [FLIGHT, ...holdout.slice(0, 20).map(({ label: _label, ...record }) => record)];
  const features = Array.from({ length: 128 }, (_, i) => (i % 7 === 0 ? 1 : 0));
  const infer = { id: 'e2e', inputs: [{ name: 'features', datatype: 'FP32', shape: [1, 128], data: features }] };
  const requests: [string, unknown][] = [
    ['/v1/models/flight-delay/predict', { instances: records }],
    ['/v1/models/flight-delay/versions/1/predict', { instances: [FLIGHT] }],
    ['/v1/models/penguin-species/predict', { instances: [PENGUIN] }],
    ['/v2/models/flight-delay/infer', infer],
    // The version flag of the bundled flag set picks version 1 for this context.
    ['/v1/models/flight-delay/predict', { instances: [FLIGHT], context: { targetingKey: 'u1', tier: 'old' } }],
    // Errors: the same status and body on both doors.
    ['/v1/models/flight-delay/predict', { instances: [{ ...FLIGHT, distance: 'far' }] }],
    ['/v1/models/nope/predict', { instances: [FLIGHT] }],
    ['/v2/models/flight-delay/versions/9/infer', infer],
  ];
  let gatewayAnswers: JsonResponse[];
  let edge: { url: string; process: ManagedProcess } | undefined;

  beforeAll(async () => {
    const stack: Stack = await startStack({ services: ['inference', 'preprocessor', 'flags', 'gateway'] });
    try {
      await stack.waitForModel('flight-delay');
      await stack.waitForModel('penguin-species');
      await stack.waitForModel('flight-delay', '1');
      const flags = join(dir, 'flags.json');
      writeFileSync(flags, JSON.stringify(VERSION_FLAGS));
      expect(stack.cli(['flags', 'apply', '-f', flags])).toMatchObject({ code: 0 });
      const made = stack.cli(
        ['edge', 'bundle', '--model', 'flight-delay', '--model', 'flight-delay@1', '--model', 'penguin-species'].concat(
          ['--out', bundle],
        ),
      );
      expect(made).toMatchObject({ code: 0 });
      gatewayAnswers = [];
      for (const [path, body] of requests) gatewayAnswers.push(await postJson(`${stack.gateway.httpUrl}${path}`, body));
    } finally {
      // Offline from here on: no nats-server runs while the agent serves.
      await stack.stop();
    }
    edge = await startEdge({ AVIARY_EDGE_BUNDLE: bundle, NATS_URL: `nats://127.0.0.1:${await freePort()}` });
  }, 120_000);

  afterAll(async () => {
    await edge?.process.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers predict and OIP infer, errors included, exactly as the gateway does for the same requests', async () => {
    const url = edge?.url as string;
    for (const [i, [path, body]] of requests.entries()) {
      const answer = await postJson(`${url}${path}`, body);
      expect({ path, ...withoutTraceId(answer) }).toEqual({ path, ...withoutTraceId(gatewayAnswers[i]) });
    }
    expect(gatewayAnswers.map((a) => a.status)).toEqual([200, 200, 200, 200, 200, 400, 404, 404]);
    expect(gatewayAnswers[4].body).toMatchObject({ version: '1', variant: 'old' });
  });

  it('describes the bundled models over OIP and reports what serves at GET /v1/edge/status', async () => {
    const url = edge?.url as string;
    expect((await getJson(`${url}/v2/models/flight-delay`)).body).toMatchObject({
      name: 'flight-delay',
      versions: ['1', '2'],
    });
    expect((await getJson(`${url}/v2/health/ready`)).body).toEqual({ ready: true });
    const status = await getJson(`${url}/v1/edge/status`);
    expect(status.body.models).toEqual([
      { model: 'flight-delay', version: '2' },
      { model: 'penguin-species', version: '1' },
    ]);
  });

  it('serves a bundle without loading Nest, the NATS client or the OpenFeature SDK (they cost its cold start)', async () => {
    const preload = join(dir, 'loaded-packages.js');
    writeFileSync(
      preload,
      `process.once('exit', () => {
        const names = Object.keys(require.cache).map((f) => /node_modules\\/((?:@[^/]+\\/)?[^/]+)/.exec(f)?.[1]);
        process.stdout.write('loaded packages: ' + JSON.stringify([...new Set(names.filter(Boolean))]) + '\\n');
      });`,
    );
    const agent = await startEdge({ AVIARY_EDGE_BUNDLE: bundle }, ['--require', preload]);
    expect(await postJson(`${agent.url}/v1/models/flight-delay/predict`, { instances: [FLIGHT] })).toMatchObject({
      status: 200,
    });
    await agent.process.stop();
    const loaded = JSON.parse(/^loaded packages: (.*)$/m.exec(agent.process.output())?.[1] ?? '[]') as string[];
    expect(loaded).toContain('onnxruntime-node');
    const heavy = ['@nestjs/common', '@nestjs/core', 'rxjs', 'nats', '@openfeature/server-sdk'];
    expect(loaded.filter((name) => heavy.includes(name))).toEqual([]);
  });

  it('refuses a tampered bundle with a message naming the file, and exits 1', async () => {
    const tampered = join(dir, 'tampered');
    cpSync(bundle, tampered, { recursive: true });
    const graph = join(tampered, 'models/flight-delay/2/model.onnx');
    const bytes = readFileSync(graph);
    bytes[bytes.length - 1] ^= 0xff;
    writeFileSync(graph, bytes);
    const agent = spawnManaged('edge-tampered', process.execPath, [appEntry('edge')], {
      env: { ...process.env, AVIARY_EDGE_BUNDLE: tampered, AVIARY_HTTP_PORT: String(await freePort()) },
      cwd: root,
    });
    expect(await agent.exited).toBe(1);
    expect(agent.output()).toContain(
      'the bundle is refused: models/flight-delay/2/model.onnx does not match its sha256 in bundle.json',
    );
  });
});

describe('edge agent on a site’s buckets, with health-gated updates', () => {
  const dir = mkdtempSync(join(tmpdir(), 'aviary-edge-leaf-'));
  const smokeDir = join(dir, 'smoke');
  let nats: NatsServer;
  let nc: NatsConnection;
  let edge: { url: string; process: ManagedProcess } | undefined;
  const reported: { kind: string; model: string; version: string; from?: string; reason: string }[] = [];

  const cli = (args: string[]) => runCli(args, { NATS_URL: nats.url });
  /** v2's graph and spec as a new version, failing at run time on flights past the distance column's `above`. */
  const pushFaulty = (version: string, above: number) => {
    const onnx = join(dir, `v${version}.onnx`);
    const v2 = join(root, 'models/flight-delay/2');
    writeFaultyFlightDelay(onnx, above);
    return cli(
      ['models', 'push', onnx, '--name', 'flight-delay', '--version', version].concat([
        '--spec',
        join(v2, 'feature-spec.json'),
        '--serve',
      ]),
    );
  };
  const status = async () => (await getJson(`${edge?.url}/v1/edge/status`)).body;
  const flightDelay = async () => (await status()).models.find((m: { model: string }) => m.model === 'flight-delay');
  const servingVersion = async () => (await flightDelay())?.version;
  /** The status of every predict the agent answered, in order: each one record in the site's prediction log. */
  const answered: number[] = [];
  const predict = async (distance: number) => {
    const response = await postJson(`${edge?.url}/v1/models/flight-delay/predict`, {
      instances: [{ ...FLIGHT, distance }],
    });
    answered.push(response.status);
    return response;
  };
  /** What the site's telemetry stream holds of one kind. */
  const stored = async (kind: 'predictions' | 'events') => {
    const jsm = await nc.jetstreamManager();
    const { state } = await jsm.streams.info(streams.siteTelemetry);
    const messages: StoredMsg[] = [];
    for (let seq = state.first_seq; seq <= state.last_seq && state.messages > 0; seq++) {
      const message = await jsm.streams.getMessage(streams.siteTelemetry, { seq });
      if (message.subject === subjects.telemetry(SITE, kind)) messages.push(message);
    }
    return messages;
  };
  const predictionLog = async (): Promise<PredictionLogRecord[]> =>
    (await stored('predictions')).flatMap((m) => decodePredictionLog(new TextDecoder().decode(m.data)));

  beforeAll(async () => {
    nats = await startNatsServer({ storeDir: join(dir, 'js') });
    expect(cli(['models', 'seed', join(root, 'models')])).toMatchObject({ code: 0 });
    // Smoke records between ~700 and ~1,100 miles: the two faulty versions below differ in exactly that range.
    mkdirSync(smokeDir);
    const smoke = holdout.filter((r) => r.distance >= 750 && r.distance <= 1100).slice(0, 20);
    writeFileSync(join(smokeDir, 'flight-delay.jsonl'), smoke.map((r) => JSON.stringify(r)).join('\n'));
    nc = await connectNats(nats.url, 'edge-e2e');
    // The site's telemetry stream, as deploy/nats/edge-mirrors.js creates it on a leaf.
    await (
      await nc.jetstreamManager()
    ).streams.add({
      name: streams.siteTelemetry,
      subjects: [subjects.siteTelemetry(SITE)],
    });
    nc.subscribe(subjects.telemetry(SITE, 'events'), {
      callback: (_e, message) => reported.push(message.json()),
    });
    edge = await startEdge({
      NATS_URL: nats.url,
      AVIARY_SITE: SITE,
      AVIARY_EDGE_SMOKE_DIR: smokeDir,
      AVIARY_EDGE_SMOKE_MIN_ACCURACY: '0.5',
      AVIARY_EDGE_PROBATION: '5m',
      AVIARY_EDGE_ROLLBACK_ERROR_RATE: '0.2',
      AVIARY_EDGE_ROLLBACK_MIN_REQUESTS: '10',
    });
  }, 60_000);

  afterAll(async () => {
    await edge?.process.stop();
    await nc?.drain();
    await nats?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('warms a new serving version beside the current one and switches to it once its smoke check passes', async () => {
    expect(await servingVersion()).toBe('2');
    const v1 = join(root, 'models/flight-delay/1');
    copyFileSync(join(v1, 'feature-spec.json'), join(dir, 'v1-spec.json'));
    const pushed = cli(
      ['models', 'push', join(v1, 'model.onnx'), '--name', 'flight-delay', '--version', '3'].concat([
        '--spec',
        join(dir, 'v1-spec.json'),
        '--serve',
      ]),
    );
    expect(pushed).toMatchObject({ code: 0 });
    await waitFor('the site to switch to version 3', async () => (await servingVersion()) === '3', 20_000);
    expect((await predict(1009)).body).toMatchObject({ version: '3' });
    await waitFor('the switch to reach the hub', async () => reported.some((e) => e.version === '3'), 5_000);
    expect(reported.find((e) => e.version === '3')).toMatchObject({
      kind: 'switched',
      from: '2',
      reason: expect.stringMatching(/^smoke accuracy \d\.\d{3} on 20 records \(floor 0\.5\)$/),
    });
  });

  it('refuses a version that fails its smoke check and keeps serving the current one', async () => {
    // Fails past ~690 miles: every smoke record.
    expect(pushFaulty('4', 0.3)).toMatchObject({ code: 0 });
    await waitFor(
      'version 4 to be refused',
      async () => (await status()).events.some((e: { version: string }) => e.version === '4'),
      20_000,
    );
    const refused = (await status()).events.find((e: { version: string }) => e.version === '4');
    expect(refused).toMatchObject({
      kind: 'refused',
      from: '3',
      reason: expect.stringMatching(
        /^smoke check failed: 20 of 20 smoke records failed, the first: flight-delay version 4 failed on valid records/,
      ),
    });
    expect(await servingVersion()).toBe('3');
    expect((await predict(1009)).body).toMatchObject({ version: '3' });
    await waitFor('the refusal to reach the hub', async () => reported.some((e) => e.version === '4'), 5_000);
  });

  it('switches back by itself from a version whose error rate crosses the threshold in probation', async () => {
    // Fails past ~1,200 miles only: it passes the smoke check, then meets long flights.
    expect(pushFaulty('5', 1)).toMatchObject({ code: 0 });
    await waitFor('the site to switch to version 5', async () => (await servingVersion()) === '5', 20_000);
    expect(await flightDelay()).toMatchObject({ version: '5', probation: { previous: '3' } });
    const answers: number[] = [];
    for (let i = 0; i < 10; i++) answers.push((await predict(i % 2 ? 2500 : 400)).status);
    expect(answers).toEqual([200, 500, 200, 500, 200, 500, 200, 500, 200, 500]);
    expect(await servingVersion()).toBe('3');
    expect((await predict(2500)).body).toMatchObject({ version: '3' });
    const rolledBack = (await status()).events.find((e: { kind: string }) => e.kind === 'rolled-back');
    expect(rolledBack).toMatchObject({
      version: '3',
      from: '5',
      reason: '5 of 10 requests failed (50.0%), above AVIARY_EDGE_ROLLBACK_ERROR_RATE 0.2',
    });
    await waitFor('the rollback to reach the hub', async () => reported.some((e) => e.kind === 'rolled-back'), 5_000);
    const switches = ['switched 2', 'switched 3', 'refused 4', 'switched 5', 'rolled-back 3'];
    const ofFlightDelay = (events: typeof reported) =>
      events.filter((e) => e.model === 'flight-delay').map((e) => `${e.kind} ${e.version}`);
    expect(ofFlightDelay(reported)).toEqual(switches);
    // Stored by the site's stream, each under its own message id, so a retried publish is stored once.
    const events = await stored('events');
    expect(ofFlightDelay(events.map((m) => m.json()))).toEqual(switches);
    expect(new Set(events.map((m) => m.header?.get('Nats-Msg-Id'))).size).toBe(events.length);
    expect(events.every((m) => m.header?.get('Nats-Msg-Id'))).toBe(true);
  });

  it("logs every predict it answered on the site's telemetry stream, failures with their code", async () => {
    await waitFor(
      'every prediction record to be stored',
      async () => (await predictionLog()).length >= answered.length,
      10_000,
    );
    const records = await predictionLog();
    expect(records.map((r) => (r.status === 'ok' ? 200 : 500))).toEqual(answered);
    const failed = records.filter((r) => r.status === 'error').map(({ version, code }) => ({ version, code }));
    expect(failed).toEqual(Array(5).fill({ version: '5', code: 'INTERNAL' }));
    expect(records.every((r) => r.model === 'flight-delay' && /^[0-9a-f]{32}$/.test(r.traceId))).toBe(true);
  });
});
