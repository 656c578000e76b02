// Progressive delivery end to end with the real services: the controller walks a canary of flight-delay v2 over v1
// through its steps while a bounded load generator sends predicts, promotes it to serving; pauses (never promotes,
// never aborts) an analysis that sees no traffic; and an abort puts every request back on stable.
import { pushFaultyFlightDelay, startStack, Stack, waitFor } from '@aviary/testing';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FLIGHT, getJson, postJson } from './support';

const canary = {
  model: 'flight-delay',
  candidate: '2',
  strategy: {
    canary: {
      steps: [
        { setWeight: 20 },
        {
          analysis: {
            metrics: [
              {
                name: 'success-rate',
                provider: 'builtin',
                interval: '1s',
                count: 2,
                successCondition: 'result >= 0.95',
              },
            ],
          },
        },
        { setWeight: 50 },
        { pause: { duration: '1s' } },
        { setWeight: 100 },
      ],
    },
  },
};

describe('canary rollouts run by the controller', () => {
  let stack: Stack;
  let url: string;
  const dir = mkdtempSync(join(tmpdir(), 'aviary-rollouts-'));
  const file = (name: string, document: object) => {
    const path = join(dir, name);
    writeFileSync(path, JSON.stringify(document));
    return path;
  };
  const predict = (targetingKey: string, distance = FLIGHT.distance) =>
    postJson(`${url}/v1/models/flight-delay/predict`, {
      instances: [{ ...FLIGHT, distance }],
      context: { targetingKey },
    });
  const rollout = async () => (await getJson(`${url}/v1/admin/rollouts/flight-delay`)).body;

  /**
   * Sends predicts with distinct keys, a few at a time, until `done` holds, `max` requests went out or `ms` passed.
   * Bounded by time too: the controller's steps take seconds (1 s analysis intervals) however fast requests go.
   */
  async function load(
    done: () => Promise<boolean>,
    send: (key: string) => ReturnType<typeof predict> = predict,
    max = 20_000,
    ms = 30_000,
  ): Promise<Map<string, number>> {
    const versions = new Map<string, number>();
    const deadline = Date.now() + ms;
    for (let sent = 0; sent < max && Date.now() < deadline; sent += 8) {
      const answers = await Promise.all(Array.from({ length: 8 }, (_, i) => send(`key-${sent + i}`)));
      for (const a of answers) versions.set(a.body.version, (versions.get(a.body.version) ?? 0) + 1);
      if (await done()) return versions;
    }
    throw new Error(
      `the rollout did not finish within ${max} requests or ${ms / 1000} s: ${JSON.stringify(await rollout())}`,
    );
  }

  beforeAll(async () => {
    stack = await startStack();
    url = stack.gateway.httpUrl;
    await stack.waitForModel('flight-delay', '1');
    await stack.waitForModel('flight-delay', '2');
    expect(stack.cli(['models', 'serve', 'flight-delay', '1'])).toMatchObject({ code: 0 });
    await waitFor('v1 to serve', async () => (await predict('any')).body.version === '1', 10_000);
  });

  afterAll(() => stack?.stop());

  it('rejects an invalid rollout, an unknown model and a candidate that is stable, listing every problem', async () => {
    const bad = stack.cli([
      'rollout',
      'apply',
      '-f',
      file('bad.json', { ...canary, candidate: '1', strategy: { canary: { steps: [{ setWeight: 101 }] } } }),
    ]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/invalid rollout \(2 problems\)/);
    expect(bad.stderr).toMatch(/strategy\.canary\.steps\.0\.setWeight/);
    expect(bad.stderr).toMatch(/candidate must differ from stable/);
    const unknown = await fetch(`${url}/v1/admin/rollouts`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ ...canary, model: 'no-such-model' }),
    });
    expect(unknown.status).toBe(400);
    expect(((await unknown.json()) as { problems: unknown }).problems).toEqual([
      { path: 'model', message: 'no model "no-such-model" is registered' },
    ]);
  });

  it('promotes a healthy canary through every step to Healthy, and v2 becomes the serving version', async () => {
    expect(stack.cli(['rollout', 'apply', '-f', file('canary.json', canary)])).toMatchObject({ code: 0 });
    const refused = stack.cli(['models', 'serve', 'flight-delay', '2']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/a rollout of flight-delay version 2 over 1 is (Progressing|Paused)/);

    const versions = await load(async () => (await rollout()).status.phase !== 'Progressing');
    // Healthy is written first, then the pointer moved and recorded (persist before acting).
    await waitFor('the serving pointer to move', async () => (await rollout()).status.servingApplied === '2', 10_000);
    const { status } = await rollout();
    expect(status).toMatchObject({ phase: 'Healthy', serving: '2' });
    expect(versions.get('2')).toBeGreaterThan(0);
    const messages = status.history.map((e: { message: string }) => e.message);
    expect(messages).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^step 1: success-rate = 1 Successful/),
        'step 2: canary weight 50%',
        'Healthy: every step passed: version 2 serves',
      ]),
    );
    await waitFor(
      'v2 to serve every request',
      async () => (await Promise.all(['a', 'b', 'c', 'd'].map(predict))).every((a) => a.body.version === '2'),
      10_000,
    );
    const listed = JSON.parse(stack.cli(['models', 'list', '--json']).stdout);
    expect(listed.find((v: { version: string }) => v.version === '2').state).toBe('serving');
    const history = stack.cli(['rollout', 'history', 'flight-delay']).stdout;
    expect(history).toMatch(/Healthy/);

    // undo: back to the previous stable
    expect(stack.cli(['rollout', 'undo', 'flight-delay'])).toMatchObject({ code: 0 });
    await waitFor('v1 to serve again', async () => (await predict('z')).body.version === '1', 10_000);
  });

  it('pauses an analysis that sees no traffic (inconclusive), neither promoting nor aborting it', async () => {
    expect(stack.cli(['rollout', 'apply', '-f', file('canary.json', canary)])).toMatchObject({ code: 0 });
    await waitFor('the analysis to find no data', async () => (await rollout()).status.phase !== 'Progressing', 20_000);
    const { status } = await rollout();
    expect(status).toMatchObject({ phase: 'Paused', step: 1, weight: 20, serving: '1' });
    expect(status.reason).toMatch(
      /^step 1: analysis inconclusive: success-rate inconclusive \(no requests reached version 2/,
    );
    const view = stack.cli(['rollout', 'status', 'flight-delay']).stdout;
    expect(view).toMatch(/flight-delay: Paused/);
    expect(view).toMatch(/▶ 1\. analysis success-rate/);
  });

  it('sends every request back to stable on abort, counted request by request', async () => {
    // While paused at 20 % some keys are on the canary.
    const before = await Promise.all(Array.from({ length: 60 }, (_, i) => predict(`before-${i}`)));
    expect(before.some((a) => a.body.version === '2')).toBe(true);

    const aborted = await postJson(`${url}/v1/admin/rollouts/flight-delay/abort`, {});
    expect(aborted.status).toBe(200);
    expect(aborted.body.status).toMatchObject({ phase: 'Degraded', reason: 'aborted by an operator', weight: 0 });
    await waitFor(
      'the rollout flag to be gone',
      async () =>
        (await Promise.all(before.map((_, i) => predict(`before-${i}`)))).every((a) => a.body.version === '1'),
      10_000,
    );
    const after = await Promise.all(Array.from({ length: 300 }, (_, i) => predict(`after-${i}`)));
    const counts = new Map<string, number>();
    for (const a of after)
      counts.set(`${a.status} v${a.body.version}`, (counts.get(`${a.status} v${a.body.version}`) ?? 0) + 1);
    expect(Object.fromEntries(counts)).toEqual({ '200 v1': 300 });

    // retry runs it again from the first step
    expect(stack.cli(['rollout', 'retry', 'flight-delay']).stdout).toMatch(
      /retry: flight-delay is (Progressing|Paused)/,
    );
  });

  it('aborts a faulty candidate by itself and puts every request back on stable', async () => {
    // v3: v2's graph, failing at run time on flights longer than about 1,200 miles (an honest fault).
    await pushFaultyFlightDelay(stack, dir, '3');
    const direct = (distance: number) =>
      postJson(`${url}/v1/models/flight-delay/versions/3/predict`, { instances: [{ ...FLIGHT, distance }] });
    expect((await direct(300)).status).toBe(200);
    const long = await direct(2500);
    expect(long.status).toBe(500);

    expect(stack.cli(['rollout', 'apply', '-f', file('faulty.json', { ...canary, candidate: '3' })])).toMatchObject({
      code: 0,
    });
    let firstFailure: number | undefined;
    let sent = 0;
    await load(
      async () => (await rollout()).status.phase !== 'Progressing',
      async (key) => {
        const answer = await predict(key, sent++ % 2 ? 2500 : 300);
        if (answer.status >= 500) firstFailure ??= Date.now();
        return answer;
      },
    );
    const { status } = await rollout();
    expect(status).toMatchObject({ phase: 'Degraded', weight: 0, serving: '1' });
    expect(status.reason).toMatch(
      /^step 1: analysis failed: success-rate failed \(successCondition result >= 0.95 does not hold\)/,
    );
    await waitFor(
      'every request on stable',
      async () =>
        (await Promise.all(Array.from({ length: 40 }, (_, i) => predict(`k-${i}`, 2500)))).every(
          (a) => a.body.version === '1',
        ),
      10_000,
    );
    // Informational, not asserted: from the canary's first failure to every request on stable, with 1 s intervals.
    console.log(
      `faulty canary: ${((Date.now() - (firstFailure ?? Date.now())) / 1000).toFixed(1)} s from its first 5xx to all traffic on stable (upper bound)`,
    );
    const after = await Promise.all(
      Array.from({ length: 300 }, (_, i) => predict(`after-fault-${i}`, i % 2 ? 2500 : 300)),
    );
    const counts = new Map<string, number>();
    for (const a of after)
      counts.set(`${a.status} v${a.body.version}`, (counts.get(`${a.status} v${a.body.version}`) ?? 0) + 1);
    expect(Object.fromEntries(counts)).toEqual({ '200 v1': 300 });
  });
});
