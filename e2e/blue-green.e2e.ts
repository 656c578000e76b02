// Blue/green end to end with the real services: flight-delay v2 previewed by header (REST) and metadata (gRPC)
// while every other request stays on v1, counted request by request; promoted all at once (the serving pointer
// moves); undone within the scale-down window; and a candidate failing its post-promotion analysis (inference
// fault injection) rolled back to stable by the controller itself.
import {
  connectReadyInferenceClient,
  ModelInferClient,
  modelInfer,
  pushDemoBundleAs,
  startStack,
  Stack,
  waitFor,
} from '@aviary/testing';
import * as grpc from '@grpc/grpc-js';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FLIGHT, getJson, postJson } from './support';

const EXAMPLE = join(__dirname, '../examples/rollouts/flight-delay-bluegreen.yaml');

/** A faulty v3 (v2's model, half its inference calls failing) with a 1 s post-promotion analysis. */
const FAULTY_V3 = `
model: flight-delay
candidate: "3"
strategy:
  blueGreen:
    preview:
      match: [{ header: X-Canary, values: ["yes"] }]
    postPromotionAnalysis:
      metrics:
        - name: success-rate
          provider: builtin
          interval: 1s
          count: 3
          successCondition: result >= 0.95
    scaleDownDelaySeconds: 30
`;

describe('blue/green rollouts run by the controller', () => {
  let stack: Stack;
  let url: string;
  const dir = mkdtempSync(join(tmpdir(), 'aviary-blue-green-'));
  const predict = (key: string, headers: Record<string, string> = {}) =>
    postJson(`${url}/v1/models/flight-delay/predict`, { instances: [FLIGHT], context: { targetingKey: key } }, headers);
  const rollout = async () => (await getJson(`${url}/v1/admin/rollouts/flight-delay`)).body;
  /** The controller has moved the serving pointer to `version` and the gateway routes to it. */
  async function servedBy(version: string): Promise<void> {
    await waitFor(
      `the serving pointer on v${version}`,
      async () => (await rollout()).status.servingApplied === version,
      10_000,
    );
    await waitFor(
      `v${version} to take requests`,
      async () => (await predict('probe')).body.version === version,
      10_000,
    );
  }
  /** `n` predicts with distinct keys, 10 at a time, counted as "status vVERSION". */
  async function count(n: number, headers: Record<string, string> = {}, prefix = 'k'): Promise<Record<string, number>> {
    const counts: Record<string, number> = {};
    for (let sent = 0; sent < n; sent += 10) {
      const answers = await Promise.all(
        Array.from({ length: Math.min(10, n - sent) }, (_, i) => predict(`${prefix}-${sent + i}`, headers)),
      );
      for (const a of answers)
        counts[`${a.status} v${a.body.version}`] = (counts[`${a.status} v${a.body.version}`] ?? 0) + 1;
    }
    return counts;
  }

  beforeAll(async () => {
    stack = await startStack({ env: { AVIARY_FAULT_INJECTION: 'flight-delay:3:errors=0.5' } });
    url = stack.gateway.httpUrl;
    const pushed = pushDemoBundleAs(stack, { model: 'flight-delay', from: '2', version: '3', serve: false });
    expect(pushed).toMatchObject({ code: 0 });
    await Promise.all(['1', '2', '3'].map((v) => stack.waitForModel('flight-delay', v)));
    expect(stack.cli(['models', 'serve', 'flight-delay', '1'])).toMatchObject({ code: 0 });
    await waitFor('v1 to serve', async () => (await predict('any')).body.version === '1', 10_000);
  });

  afterAll(() => stack?.stop());

  it('sends only preview requests (header, gRPC metadata) to v2 while every other request stays on v1', async () => {
    const applied = await fetch(`${url}/v1/admin/rollouts`, {
      method: 'PUT',
      headers: { 'content-type': 'application/yaml' },
      body: readFileSync(EXAMPLE, 'utf8'),
    });
    expect(applied.status).toBe(200);
    expect(((await applied.json()) as any).status).toMatchObject({ phase: 'Progressing', weight: 0, serving: '1' });
    await waitFor(
      'the preview rule to reach the gateway',
      async () => (await predict('probe', { 'X-Canary': 'yes' })).body.version === '2',
      10_000,
    );
    expect(await count(100, { 'X-Canary': 'yes' })).toEqual({ '200 v2': 100 });
    expect(await count(100, { 'X-Canary': 'no' })).toEqual({ '200 v1': 100 });
    expect(await count(100)).toEqual({ '200 v1': 100 });

    // v1 and v2 take different feature widths: each request is shaped for the version it must reach.
    const requestFor = async (version: string) => {
      const width: number = (await getJson(`${url}/v2/models/flight-delay/versions/${version}`)).body.inputs[0]
        .shape[1];
      const contents = { fp32_contents: Array(width).fill(0.1) };
      return {
        model_name: 'flight-delay',
        inputs: [{ name: 'features', datatype: 'FP32', shape: [1, width], contents }],
      };
    };
    const client = await connectReadyInferenceClient<ModelInferClient>(stack.gateway.grpcAddress);
    try {
      const infer = async (version: string, canary?: string) => {
        const request = await requestFor(version);
        const metadata = new grpc.Metadata();
        if (canary) metadata.set('x-canary', canary);
        return modelInfer<{ model_version: string }>(client, request, metadata);
      };
      expect((await infer('2', 'yes')).model_version).toBe('2');
      expect((await infer('1')).model_version).toBe('1');
    } finally {
      client.close();
    }

    // While the rollout is active the serving pointer is the controller's: refused by the CLI and the admin API.
    const cli = stack.cli(['models', 'serve', 'flight-delay', '2']);
    expect(cli.code).toBe(1);
    expect(cli.stderr).toMatch(/a rollout of flight-delay version 2 over 1 is (Progressing|Paused) .*abort it first/);
    const rest = await fetch(`${url}/v1/admin/models/flight-delay/serving`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ version: '2' }),
    });
    expect(rest.status).toBe(409);
    expect(((await rest.json()) as any).error).toMatch(/cannot move the serving version of flight-delay: a rollout/);

    const view = stack.cli(['rollout', 'status', 'flight-delay']).stdout;
    expect(view).toMatch(/active 1 {2}· {2}preview 2 \(header x-canary in yes or tier in internal\)/);
    expect(view).toMatch(/▶ 0\. pre-promotion analysis success-rate, latency-p95/);
  });

  it('switches every request and the serving pointer to v2 at once on promotion, and undo puts them back on v1', async () => {
    expect(stack.cli(['rollout', 'promote', 'flight-delay', '--full']).stdout).toMatch(/is Healthy/);
    await servedBy('2');
    expect(await count(100, {}, 'promoted')).toEqual({ '200 v2': 100 });
    const listed = JSON.parse(stack.cli(['models', 'list', '--json']).stdout);
    expect(listed.find((v: { version: string }) => v.version === '2').state).toBe('serving');
    const view = stack.cli(['rollout', 'status', 'flight-delay']).stdout;
    expect(view).toMatch(/active 2 100% {2}· {2}previous 1 .*instant rollback \(undo\) until \S+ \(\d+s left\)/);

    expect(stack.cli(['rollout', 'undo', 'flight-delay']).stdout).toMatch(/undo: flight-delay is Degraded .*serving 1/);
    await servedBy('1');
    expect(await count(100, {}, 'undone')).toEqual({ '200 v1': 100 });
    const messages = (await rollout()).status.history.map((e: { message: string }) => e.message);
    expect(messages).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^promoted: all traffic on version 2; version 1 stays the instant-rollback target/),
        'Degraded: undone by an operator: version 1 serves again',
      ]),
    );
  });

  it('rolls a candidate failing its post-promotion analysis back to stable by itself', async () => {
    const file = join(dir, 'faulty.yaml');
    writeFileSync(file, FAULTY_V3);
    expect(stack.cli(['rollout', 'apply', '-f', file])).toMatchObject({ code: 0 });
    expect(stack.cli(['rollout', 'promote', 'flight-delay']).stdout).toMatch(/is Progressing .*canary weight 100%/);
    // Bounded traffic (in rounds and in time: the analysis takes seconds however fast requests go) until the
    // controller decides; about half of v3's answers fail.
    const deadline = Date.now() + 30_000;
    for (
      let round = 0;
      round < 2000 && Date.now() < deadline && (await rollout()).status.phase === 'Progressing';
      round++
    )
      await count(10, {}, `f${round}`);
    const { status } = await rollout();
    expect(status).toMatchObject({ phase: 'Degraded', weight: 0, serving: '1' });
    expect(status.reason).toMatch(/^step 2: post-promotion analysis failed: success-rate failed/);
    await servedBy('1');
    expect(await count(200, {}, 'rolled-back')).toEqual({ '200 v1': 200 });
  });

  it('applies the canary YAML example, whose header rule sends X-Canary requests to v2 whatever the weight', async () => {
    const example = join(__dirname, '../examples/rollouts/flight-delay-canary.yaml');
    expect(stack.cli(['rollout', 'apply', '-f', example]).stdout).toMatch(/version 2 over 1 applied: Progressing/);
    await waitFor(
      'the header rule to reach the gateway',
      async () => (await predict('probe', { 'X-Canary': 'yes' })).body.version === '2',
      10_000,
    );
    expect(await count(50, { 'X-Canary': 'yes' }, 'canary')).toEqual({ '200 v2': 50 });
    expect(stack.cli(['rollout', 'abort', 'flight-delay'])).toMatchObject({ code: 0 });
  });
});
