// Hybrid on NATS: a hub and a leaf site (its own JetStream domain) from deploy/nats's configs, the services on
// the leaf. Models and flags written at the hub reach the leaf through mirrors; the leaf serves on with the hub
// stopped, stores its telemetry, and the hub receives every message once when it returns.
import { connectNats } from '@aviary/messaging';
import { buckets, objectStores, streams, subjects } from '@aviary/contracts';
import {
  appEntry,
  freePort,
  NatsServer,
  Stack,
  startNatsServer,
  startStack,
  waitFor,
  workspaceRoot,
} from '@aviary/supervisor';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FLIGHT, postJson } from './support';

const root = workspaceRoot();
const SITE = 'edge';
// The passwords hub.conf and edge-leaf.conf read from the environment.
const HUB_PASSWORD = 'hub-secret';
const SITE_PASSWORD = 'site-secret';
const withUser = (url: string, user: string, password: string) => url.replace('nats://', `nats://${user}:${password}@`);

/** deploy/nats's config with its public addresses and paths swapped for loopback ports and a temp dir. */
function loopbackConfig(file: string, replacements: [RegExp, string][], dir: string): string {
  let text = readFileSync(join(root, 'deploy/nats', file), 'utf8');
  for (const [pattern, value] of replacements) {
    if (!pattern.test(text)) throw new Error(`${file} no longer has ${pattern}: update this test`);
    text = text.replace(pattern, value);
  }
  const path = join(dir, file);
  writeFileSync(path, text);
  return path;
}

describe('hybrid hub and leaf site', () => {
  const dir = mkdtempSync(join(tmpdir(), 'aviary-hybrid-'));
  let hub: NatsServer | undefined;
  let leaf: NatsServer;
  let site: Stack;
  let hubConfig: string;
  let hubPort: number;
  let leafHttp: number;

  const cli = (natsUrl: string, args: string[]) => {
    const result = spawnSync(process.execPath, [appEntry('cli'), ...args], {
      env: { ...process.env, NATS_URL: natsUrl },
      encoding: 'utf8',
      cwd: root,
    });
    return { code: result.status, output: `${result.stdout}${result.stderr}` };
  };
  const startHub = async () => {
    hub = await startNatsServer({
      configFile: hubConfig,
      port: hubPort,
      storeDir: join(dir, 'hub'),
      env: { ...process.env, AVIARY_HUB_PASSWORD: HUB_PASSWORD, AVIARY_SITE_PASSWORD: SITE_PASSWORD },
    });
  };
  const runningHub = () => {
    if (!hub) throw new Error('the hub is stopped');
    return hub;
  };
  /** The hub as its operators and services reach it. */
  const hubUrl = () => withUser(runningHub().url, 'aviary', HUB_PASSWORD);
  const leafLinked = async () => {
    const leafz = (await (await fetch(`http://127.0.0.1:${leafHttp}/leafz`)).json()) as { leafnodes: number };
    return leafz.leafnodes > 0;
  };
  const predict = () => postJson(`${site.gateway.httpUrl}/v1/models/flight-delay/predict`, { instances: [FLIGHT] });
  const evaluateFlag = async () =>
    (await postJson(`${site.gateway.httpUrl}/ofrep/v1/evaluate/flags/site-banner`, { context: {} })).body?.value;
  const putFlag = (value: string) => {
    const file = join(dir, `flags-${value}.json`);
    const flag = { state: 'ENABLED', variants: { [value]: value }, defaultVariant: value };
    writeFileSync(file, JSON.stringify({ flags: { 'site-banner': flag } }));
    return cli(hubUrl(), ['flags', 'apply', '-f', file]);
  };
  /** Publishes telemetry at the site, as its services would; each message is stored by the site's stream. */
  const publishTelemetry = async (from: number, count: number) => {
    const nc = await connectNats(leaf.url, 'hybrid-e2e-site');
    const js = nc.jetstream();
    for (let i = from; i < from + count; i++) {
      const ack = await js.publish(subjects.telemetry(SITE, 'predictions'), JSON.stringify({ n: i }));
      expect(ack.stream).toBe(streams.siteTelemetry);
    }
    await nc.drain();
  };
  /** What the hub's telemetry stream holds: the n of every message, in order. */
  const hubTelemetry = async (): Promise<number[]> => {
    const nc = await connectNats(hubUrl(), 'hybrid-e2e-hub');
    try {
      const jsm = await nc.jetstreamManager();
      const { state } = await jsm.streams.info(streams.telemetry);
      const seen: number[] = [];
      for (let seq = state.first_seq; seq <= state.last_seq && state.messages > 0; seq++) {
        seen.push(
          (
            JSON.parse(new TextDecoder().decode((await jsm.streams.getMessage(streams.telemetry, { seq })).data)) as {
              n: number;
            }
          ).n,
        );
      }
      return seen;
    } finally {
      await nc.drain();
    }
  };

  beforeAll(async () => {
    hubPort = await freePort();
    const hubLeafPort = await freePort();
    leafHttp = await freePort();
    hubConfig = loopbackConfig(
      'hub.conf',
      [
        [/^http: .*$/m, `http: 127.0.0.1:${await freePort()}`],
        [/store_dir: .*$/m, `store_dir: ${join(dir, 'hub')}`],
        [/^ {2}listen: 0\.0\.0\.0:7422$/m, `  listen: 127.0.0.1:${hubLeafPort}`],
      ],
      dir,
    );
    const leafConfig = loopbackConfig(
      'edge-leaf.conf',
      [
        [/^http: .*$/m, `http: 127.0.0.1:${leafHttp}`],
        [/store_dir: .*$/m, `store_dir: ${join(dir, 'leaf')}`],
      ],
      dir,
    );
    await startHub();
    // At the hub: the demo models (CLI) and a flag set, as an operator would.
    const seeded = cli(hubUrl(), ['models', 'seed', join(root, 'models')]);
    expect(seeded).toMatchObject({ code: 0 });
    expect(putFlag('blue')).toMatchObject({ code: 0 });

    leaf = await startNatsServer({
      configFile: leafConfig,
      storeDir: join(dir, 'leaf'),
      env: { ...process.env, AVIARY_HUB_LEAF_URL: `nats://site:${SITE_PASSWORD}@127.0.0.1:${hubLeafPort}` },
    });
    await waitFor('the leaf node to link to the hub', leafLinked, 20_000);
    // Twice: the second run finds everything in place (idempotent).
    for (let run = 0; run < 2; run++) {
      const mirrors = spawnSync(
        process.execPath,
        [
          join(root, 'deploy/nats/edge-mirrors.js'),
          ['--server', leaf.url, '--hub-server', hubUrl()],
          ['--kv', [buckets.models, buckets.flags, buckets.serving].join(',')],
          ['--obj', objectStores.models],
          ['--site', SITE, '--wait', '60'],
        ].flat(),
        { encoding: 'utf8', cwd: root },
      );
      expect({ code: mirrors.status, output: mirrors.stdout + mirrors.stderr }).toMatchObject({ code: 0 });
      if (run === 1) expect(mirrors.stdout).not.toMatch(/^created/m);
    }

    site = await startStack({ natsUrl: leaf.url, seed: false });
    await site.waitForModel('flight-delay');
  }, 180_000);

  afterAll(async () => {
    await site?.stop();
    await leaf?.stop();
    await hub?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('serves at the site the models the hub holds', async () => {
    const response = await predict();
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ model: 'flight-delay' });
  });

  it('serves a model version pushed at the hub after the site started', async () => {
    const pushed = cli(
      hubUrl(),
      [
        ['models', 'push', join(root, 'models/flight-delay/2/model.onnx')],
        ['--name', 'flight-delay', '--version', '7'],
      ].flat(),
    );
    expect(pushed).toMatchObject({ code: 0 });
    await site.waitForModel('flight-delay', '7');
  });

  it('answers OFREP at the site with the flag as the hub last set it', async () => {
    expect(await evaluateFlag()).toBe('blue');
    expect(putFlag('green')).toMatchObject({ code: 0 });
    await waitFor('the flag change to reach the site', async () => (await evaluateFlag()) === 'green', 15_000);
  });

  it("limits the site's credentials to what a site needs", async () => {
    const nc = await connectNats(withUser(runningHub().url, 'site', SITE_PASSWORD), 'hybrid-e2e-as-site');
    try {
      const flags = await nc.jetstream().views.kv(buckets.flags, { bindOnly: true });
      await expect(flags.put('default', '{}')).rejects.toThrow(/permission|timeout/i);
      const jsm = await nc.jetstreamManager();
      await expect(jsm.streams.delete(`KV_${buckets.flags}`)).rejects.toThrow(/permission|timeout/i);
    } finally {
      await nc.close();
    }
    expect(await evaluateFlag()).toBe('green');
  });

  it('keeps serving with the hub down, stores its telemetry, and the hub receives all of it once', async () => {
    await publishTelemetry(0, 20);
    await waitFor('linked telemetry to reach the hub', async () => (await hubTelemetry()).length === 20, 15_000);

    await runningHub().stop();
    hub = undefined;
    await waitFor('the leaf to notice the hub is gone', async () => !(await leafLinked()), 15_000);
    expect((await predict()).status).toBe(200);
    expect(await evaluateFlag()).toBe('green');
    await publishTelemetry(20, 30);

    await startHub();
    await waitFor('the leaf to link again', leafLinked, 30_000);
    await waitFor('the buffered telemetry to reach the hub', async () => (await hubTelemetry()).length >= 50, 30_000);
    expect(await hubTelemetry()).toEqual(Array.from({ length: 50 }, (_, n) => n));
    expect((await predict()).status).toBe(200);
  });
});
