// Shadow rollouts end to end with the real services: the controller mirrors flight-delay v1's requests to candidate
// v2 through the `rollouts` flag set, measures the shadow agreement from the gateways' tallies into the status, and
// promotes (promote: auto) or aborts (agreement condition failing, mirroring stops) — while every response stays
// exactly what it is without shadow. Every event is POSTed to a local HTTP server, as the webhooks configure.
import { shadowSummarySchema, subjects } from '@aviary/contracts';
import { gatherReplies } from '@aviary/messaging';
import { shadowReport, WebhookEvent } from '@aviary/rollout';
import { startStack, Stack, waitFor } from '@aviary/testing';
import { connect, NatsConnection } from 'nats';
import { createServer, IncomingHttpHeaders, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { FLIGHT, getJson, postJson } from './support';

/** 16 flights, of distances the two versions score differently, each request with its own targeting key. */
const REQUESTS = Array.from({ length: 16 }, (_, i) => [{ ...FLIGHT, distance: 200 + i * 150 }]);

const shadowRollout = (successCondition: string, hookUrl: string) => ({
  model: 'flight-delay',
  candidate: '2',
  strategy: {
    shadow: {
      percent: 100,
      promote: 'auto',
      steps: [
        {
          analysis: {
            metrics: [{ name: 'shadow-agreement', provider: 'builtin', interval: '1s', count: 2, successCondition }],
          },
        },
      ],
    },
  },
  notifications: { webhooks: [{ url: hookUrl, events: ['phase'], headers: { 'x-rollout-hook': 'document' } }] },
});

describe('shadow rollouts', () => {
  let stack: Stack;
  let nc: NatsConnection;
  let url: string;
  let hooks: Server;
  let hookBase = '';
  const received: { path: string; headers: IncomingHttpHeaders; event: WebhookEvent }[] = [];
  const rollout = async () => (await getJson(`${url}/v1/admin/rollouts/flight-delay`)).body;
  /** Every request once, answers without their trace ids (which differ on every request). */
  const predictAll = () =>
    Promise.all(
      REQUESTS.map(async (instances, i) => {
        const { status, body } = await postJson(`${url}/v1/models/flight-delay/predict`, {
          instances,
          context: { targetingKey: `user-${i}` },
        });
        expect(status).toBe(200);
        const { traceId, ...rest } = body;
        expect(traceId).toMatch(/^[0-9a-f]{32}$/);
        return rest;
      }),
    );
  const mirrored = async () => {
    const replies = await gatherReplies(nc, subjects.shadowMetrics('flight-delay'), 500);
    const rows = shadowReport(replies.map((b) => shadowSummarySchema.parse(JSON.parse(Buffer.from(b).toString()))));
    return rows.find((r) => r.stable === '1' && r.candidate === '2')?.sent ?? 0;
  };
  const apply = async (document: object) => {
    const put = await fetch(`${url}/v1/admin/rollouts`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(document),
    });
    expect(put.status).toBe(200);
  };

  beforeAll(async () => {
    hooks = createServer((request, response) => {
      let body = '';
      request.on('data', (chunk) => (body += chunk));
      request.on('end', () => {
        received.push({ path: request.url ?? '', headers: request.headers, event: JSON.parse(body) });
        response.writeHead(204).end();
      });
    });
    await new Promise<void>((resolve) => hooks.listen(0, '127.0.0.1', resolve));
    hookBase = `http://127.0.0.1:${(hooks.address() as AddressInfo).port}`;
    stack = await startStack({
      services: ['inference', 'preprocessor', 'flags', 'rollout-controller', 'gateway'],
      env: { AVIARY_ROLLOUT_WEBHOOKS: JSON.stringify([{ url: `${hookBase}/all` }]) },
    });
    url = stack.gateway.httpUrl;
    await stack.waitForModel('flight-delay', '1');
    await stack.waitForModel('flight-delay', '2');
    expect(stack.cli(['models', 'serve', 'flight-delay', '1'])).toMatchObject({ code: 0 });
    nc = await connect({ servers: stack.natsUrl });
  });

  afterAll(async () => {
    await nc?.close();
    await stack?.stop();
    await new Promise((resolve) => hooks?.close(resolve));
  });

  it('mirrors v1’s traffic to v2 without changing any response, measures the agreement, and promotes', async () => {
    await waitFor('v1 to serve', async () => (await predictAll()).every((a) => a.version === '1'), 10_000);
    const without = await predictAll();
    expect(without[0]).toMatchObject({ model: 'flight-delay', version: '1' });
    expect(without[0]).not.toHaveProperty('variant');

    await apply(shadowRollout('result >= 0.5', `${hookBase}/document`));
    const measured: number[] = [];
    // Bounded by time, not rounds: how many rounds fit before the first reading depends on the machine's speed.
    for (const deadline = Date.now() + 25_000; Date.now() < deadline;) {
      const responses = await predictAll();
      const { status } = await rollout();
      for (const m of status.analysis?.metrics?.[0]?.measurements ?? []) measured.push(m.value);
      // Promoted meanwhile: these responses may already come from v2 (the pointer moves right after Healthy).
      if (status.phase !== 'Progressing') break;
      expect(responses).toEqual(without);
    }
    expect(measured.some((v) => v >= 0.5 && v <= 1)).toBe(true);
    await waitFor('the serving pointer to move', async () => (await rollout()).status.servingApplied === '2', 10_000);
    const { status } = await rollout();
    expect(status).toMatchObject({ phase: 'Healthy', serving: '2' });
    expect(status.history.map((e: { message: string }) => e.message)).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^step 0: shadow-agreement = [0-9.]+ Successful: successCondition result >= 0.5 holds/),
        'Healthy: every step passed: version 2 serves',
      ]),
    );
    await waitFor('v2 to serve', async () => (await predictAll()).every((a) => a.version === '2'), 10_000);

    await waitFor(
      'the Healthy event at both webhooks',
      async () => received.filter((r) => r.event.phase === 'Healthy' && r.event.kind === 'phase').length === 2,
      10_000,
    );
    const documentHook = received.filter((r) => r.path === '/document');
    expect(documentHook.every((r) => r.event.kind === 'phase' && r.headers['x-rollout-hook'] === 'document')).toBe(
      true,
    );
    const all = received.filter((r) => r.path === '/all').map((r) => r.event);
    expect(all.map((e) => e.kind)).toEqual(expect.arrayContaining(['applied', 'step', 'measurement', 'phase']));
    const healthy = received.find((r) => r.path === '/all' && r.event.phase === 'Healthy' && r.event.kind === 'phase')!;
    expect(healthy.event).toMatchObject({ model: 'flight-delay', candidate: '2', step: 1 });
    expect(healthy.headers['idempotency-key']).toBe(`flight-delay-${healthy.event.seq}`);
    expect(healthy.headers['content-type']).toBe('application/json');
  });

  it('aborts a shadow whose agreement condition fails, and mirroring stops', async () => {
    expect(stack.cli(['rollout', 'undo', 'flight-delay'])).toMatchObject({ code: 0 });
    await waitFor('v1 to serve again', async () => (await predictAll()).every((a) => a.version === '1'), 10_000);
    const without = await predictAll();

    await apply(shadowRollout('result > 1', `${hookBase}/document`));
    for (const deadline = Date.now() + 25_000; Date.now() < deadline;) {
      expect(await predictAll()).toEqual(without);
      if ((await rollout()).status.phase !== 'Progressing') break;
    }
    const { status } = await rollout();
    expect(status).toMatchObject({ phase: 'Degraded', serving: '1' });
    expect(status.reason).toMatch(/^step 0: analysis failed: shadow-agreement failed \(successCondition result > 1/);

    // Once the gateway has seen the rollouts set without the shadow flag, nothing more is mirrored.
    await waitFor(
      'mirroring to stop',
      async () => {
        const before = await mirrored();
        await predictAll();
        return (await mirrored()) === before;
      },
      10_000,
    );
    const before = await mirrored();
    expect(await predictAll()).toEqual(without);
    expect(await mirrored()).toBe(before);
    await waitFor(
      'the Degraded event at the webhooks',
      async () => received.some((r) => r.path === '/document' && r.event.phase === 'Degraded'),
      10_000,
    );
  });
});
