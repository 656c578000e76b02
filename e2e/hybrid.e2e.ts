// Hybrid on NATS: a hub and a leaf site (its own JetStream domain) from deploy/nats's configs, the services on
// the leaf. Models and flags written at the hub reach the leaf through mirrors; the leaf serves on with the hub
// stopped, its gateway's prediction logs and summaries stored at the site, and the hub receives every record once
// when it returns.
import { connectNats } from '@aviary/messaging';
import { AckPolicy, nanos } from 'nats';
import {
  buckets,
  decodePredictionLog,
  MetricSummary,
  metricSummarySchema,
  objectStores,
  PredictionLogRecord,
  streams,
} from '@aviary/contracts';
import {
  freePort,
  NatsServer,
  runCli,
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

  const cli = (natsUrl: string, args: string[]) => runCli(args, { NATS_URL: natsUrl });
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
  /** Trace ids of every prediction the site's gateway answered: each one request, one prediction-log record. */
  const answered: string[] = [];
  const predict = async () => {
    const response = await postJson(`${site.gateway.httpUrl}/v1/models/flight-delay/predict`, { instances: [FLIGHT] });
    if (response.status === 200) answered.push(response.body.traceId);
    return response;
  };
  const evaluateFlag = async () =>
    (await postJson(`${site.gateway.httpUrl}/ofrep/v1/evaluate/flags/site-banner`, { context: {} })).body?.value;
  const putFlag = (value: string) => {
    const file = join(dir, `flags-${value}.json`);
    const flag = { state: 'ENABLED', variants: { [value]: value }, defaultVariant: value };
    writeFileSync(file, JSON.stringify({ flags: { 'site-banner': flag } }));
    return cli(hubUrl(), ['flags', 'apply', '-f', file]);
  };
  /** The prediction records and summaries a telemetry stream holds (the hub's, or the site's own). */
  const telemetryIn = async (natsUrl: string, stream: string) => {
    const nc = await connectNats(natsUrl, 'hybrid-e2e-telemetry');
    try {
      const jsm = await nc.jetstreamManager();
      const { state } = await jsm.streams.info(stream);
      const predictions: PredictionLogRecord[] = [];
      const metrics: MetricSummary[] = [];
      for (let seq = state.first_seq; seq <= state.last_seq && state.messages > 0; seq++) {
        const message = await jsm.streams.getMessage(stream, { seq });
        const text = new TextDecoder().decode(message.data);
        if (message.subject === `aviary.v1.telemetry.${SITE}.predictions`)
          predictions.push(...decodePredictionLog(text));
        else if (message.subject === `aviary.v1.telemetry.${SITE}.metrics`)
          metrics.push(metricSummarySchema.parse(JSON.parse(text)));
      }
      return { predictions, metrics, requests: metrics.reduce((sum, m) => sum + m.requests, 0) };
    } finally {
      await nc.drain();
    }
  };
  const hubTelemetry = () => telemetryIn(hubUrl(), streams.telemetry);
  const siteTelemetry = () => telemetryIn(leaf.url, streams.siteTelemetry);
  /** Waits until `read` holds a record and a summarised request for every answered prediction, and no more. */
  const allArrived = async (read: typeof hubTelemetry) => {
    const { predictions, requests } = await read();
    if (predictions.length > answered.length || requests > answered.length) {
      throw new Error(`${predictions.length} records and ${requests} summarised for ${answered.length} predictions`);
    }
    return predictions.length === answered.length && requests === answered.length;
  };
  const sorted = (ids: string[]) => [...ids].sort();

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

    // The site's services as a site runs them: AVIARY_SITE names it; summaries every second, for a short test.
    // The serving services only: rollouts are driven at the hub, whose controller writes the version flags
    // that reach the site through its mirror (a site's link may not write the hub's buckets).
    site = await startStack({
      natsUrl: leaf.url,
      seed: false,
      services: ['inference', 'preprocessor', 'flags', 'gateway'],
      env: { AVIARY_SITE: SITE, AVIARY_TELEMETRY_SUMMARY_INTERVAL: '1s' },
    });
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
    // They open a leaf link, not a client connection to the hub.
    await expect(
      connectNats(withUser(runningHub().url, 'site', SITE_PASSWORD), 'hybrid-e2e-as-site', 1000),
    ).rejects.toThrow(/authorization/i);
    // Through the link: a client of the site's server asking the hub's domain. The hub does not announce across
    // the link what it may not carry (the site's server answers 503, no responders) and drops what still comes,
    // (a timeout); the allowed consumer shows that the path itself works.
    const refused = /^503$|timeout/i;
    const operator = await connectNats(hubUrl(), 'hybrid-e2e-operator');
    const nc = await connectNats(leaf.url, 'hybrid-e2e-through-link');
    try {
      const jsm = await nc.jetstreamManager({ domain: 'hub', checkAPI: false, timeout: 2000 });
      const pull = { ack_policy: AckPolicy.None, inactive_threshold: nanos(5000) };
      // What its mirrors do: a consumer on a mirrored bucket's stream.
      await expect(jsm.consumers.add(`KV_${buckets.flags}`, pull)).resolves.toMatchObject({
        stream_name: `KV_${buckets.flags}`,
      });
      // A stream a site has no business reading, which the hub holds.
      await operator.jetstreamManager().then((hub) => hub.streams.info(streams.events));
      await expect(jsm.consumers.add(streams.events, pull)).rejects.toThrow(refused);
      await expect(jsm.streams.getMessage(streams.events, { seq: 1 })).rejects.toThrow(refused);
      // Every site's telemetry, at the hub: a site sends its own, it reads none.
      await expect(jsm.consumers.add(streams.telemetry, pull)).rejects.toThrow(refused);
      await expect(jsm.streams.getMessage(streams.telemetry, { seq: 1 })).rejects.toThrow(refused);
      // No writes to the hub's buckets: a put on the site's mirror is sent on to the hub by the KV client.
      const siteFlags = await nc.jetstream().views.kv(buckets.flags, { bindOnly: true });
      await expect(siteFlags.put('probe', '{}')).rejects.toThrow(refused);
      await expect(jsm.streams.delete(`KV_${buckets.flags}`)).rejects.toThrow(refused);
      const hubFlags = await operator.jetstream().views.kv(buckets.flags, { bindOnly: true });
      expect(await hubFlags.get('probe')).toBeNull();
    } finally {
      await nc.drain();
      await operator.drain();
    }
    expect(await evaluateFlag()).toBe('green');
  });

  it("keeps serving with the hub down, stores the gateway's telemetry, and the hub receives all of it once", async () => {
    for (let i = 0; i < 20; i++) expect((await predict()).status).toBe(200);
    await waitFor('every prediction record and summary to reach the hub', () => allArrived(hubTelemetry), 20_000);
    const linked = await hubTelemetry();
    expect(sorted(linked.predictions.map((r) => r.traceId))).toEqual(sorted(answered));
    expect(linked.predictions.every((r) => r.model === 'flight-delay' && r.status === 'ok')).toBe(true);
    expect(linked.metrics[0]).toMatchObject({ site: SITE, model: 'flight-delay', errors: 0 });

    await runningHub().stop();
    hub = undefined;
    await waitFor('the leaf to notice the hub is gone', async () => !(await leafLinked()), 15_000);
    const before = answered.length;
    for (let i = 0; i < 30; i++) expect((await predict()).status).toBe(200);
    expect(answered.length).toBe(before + 30);
    expect(await evaluateFlag()).toBe('green');
    await waitFor('the site to store the offline telemetry', () => allArrived(siteTelemetry), 20_000);

    await startHub();
    await waitFor('the leaf to link again', leafLinked, 30_000);
    await waitFor('the buffered telemetry to reach the hub', () => allArrived(hubTelemetry), 30_000);
    const caughtUp = await hubTelemetry();
    const ids = caughtUp.predictions.map((r) => r.traceId);
    expect(new Set(ids).size).toBe(ids.length);
    expect(sorted(ids)).toEqual(sorted(answered));
    // The site's NATS took every record: stored, none dropped.
    const metrics = await (await fetch(`${site.gateway.httpUrl}/metrics`)).text();
    expect(metrics).toMatch(/^aviary_site_telemetry_dropped_total(\{[^}]*\})? 0$/m);
    expect(metrics).toMatch(
      new RegExp(`^aviary_site_telemetry_published_total\\{[^}]*kind="predictions"[^}]*\\} ${answered.length}$`, 'm'),
    );
    expect((await predict()).status).toBe(200);
  });

  it('lists the sites and tails their records with the CLI, at the hub', async () => {
    const sites = cli(hubUrl(), ['telemetry', 'sites']);
    expect(sites).toMatchObject({ code: 0 });
    expect(sites.stdout).toMatch(new RegExp(`^${SITE}\\s+\\d+\\s+\\d+\\s+\\d+\\s+0\\s+\\d{4}-`, 'm'));
    const tail = cli(hubUrl(), ['telemetry', 'tail', '--site', SITE, '--kind', 'predictions', '-n', '5']);
    expect(tail).toMatchObject({ code: 0 });
    const records = tail.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(records).toHaveLength(5);
    for (const record of records) {
      expect(record).toMatchObject({ site: SITE, kind: 'predictions', model: 'flight-delay' });
      expect(answered).toContain(record.traceId);
    }
    expect(cli(hubUrl(), ['telemetry', 'tail', '--kind', 'logs'])).toMatchObject({ code: 1 });
  });
});
