// High availability of the rollout controller: two replicas, one leads by the KV lease; the leader is killed
// mid-rollout and the other carries the rollout on from the same step, neither repeating nor skipping one, and
// resends the webhook events the dead leader had not delivered. The webhook queue holds one delivery, so every event
// after the first waits for room (handed again each tick) rather than being dropped.
import { ServiceProcess, startStack, Stack, waitFor } from '@aviary/testing';
import { createServer, Server, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getJson } from './support';

const rollout = {
  model: 'flight-delay',
  candidate: '2',
  strategy: {
    canary: { steps: [{ setWeight: 10 }, { pause: { duration: '6s' } }, { setWeight: 30 }, { pause: {} }] },
  },
};

describe('rollout controller replicas', () => {
  let stack: Stack;
  let hooks: Server;
  /** While down the webhook endpoint takes requests and never answers, as a hung receiver does. */
  let hookDown = true;
  const hanging: ServerResponse[] = [];
  const delivered: { seq: number; key: string | undefined }[] = [];

  beforeAll(async () => {
    hooks = createServer((request, response) => {
      let body = '';
      request.on('data', (chunk) => (body += chunk));
      request.on('end', () => {
        if (hookDown) return void hanging.push(response);
        delivered.push({ seq: JSON.parse(body).seq, key: request.headers['idempotency-key'] as string | undefined });
        response.writeHead(204).end();
      });
    });
    await new Promise<void>((resolve) => hooks.listen(0, '127.0.0.1', resolve));
    const hookUrl = `http://127.0.0.1:${(hooks.address() as AddressInfo).port}/events`;
    stack = await startStack({
      env: {
        AVIARY_ROLLOUT_WEBHOOKS: JSON.stringify([{ url: hookUrl }]),
        AVIARY_WEBHOOK_TIMEOUT_MS: '60000',
        AVIARY_WEBHOOK_RETRIES: '0',
        AVIARY_WEBHOOK_QUEUE: '1',
      },
    });
    await stack.waitForModel('flight-delay', '1');
    await stack.waitForModel('flight-delay', '2');
    expect(stack.cli(['models', 'serve', 'flight-delay', '1'])).toMatchObject({ code: 0 });
  });

  afterAll(async () => {
    await stack?.stop();
    hooks?.closeAllConnections();
    await new Promise((resolve) => hooks?.close(resolve));
  });

  it('continues a rollout from the same step after its leader is killed', async () => {
    await stack.startService('rollout-controller');
    const controllers = stack.processes.filter((p): p is ServiceProcess => p.service === 'rollout-controller');
    expect(controllers).toHaveLength(2);
    const leaderOf = () => controllers.filter((c) => /leading as/.test(c.output()));
    await waitFor('one controller to lead', async () => leaderOf().length === 1, 15_000);
    const [leader] = leaderOf();
    const follower = controllers.find((c) => c !== leader)!;

    const file = join(mkdtempSync(join(tmpdir(), 'aviary-leader-')), 'rollout.json');
    writeFileSync(file, JSON.stringify(rollout));
    expect(stack.cli(['rollout', 'apply', '-f', file])).toMatchObject({ code: 0 });
    const status = async () => (await getJson(`${stack.gateway.httpUrl}/v1/admin/rollouts/flight-delay`)).body.status;
    await waitFor('the first step', async () => (await status()).step === 1, 10_000);

    // The leader's first POST hangs, so its queue holds every event so far when it dies.
    await waitFor('the leader to POST the first event', async () => hanging.length > 0, 10_000);
    await leader.kill();
    const killedAt = Date.now();
    hookDown = false;
    await waitFor('the other controller to lead', async () => /leading as/.test(follower.output()), 15_000);
    const takeover = (Date.now() - killedAt) / 1000;
    await waitFor('the rollout to reach its indefinite pause', async () => (await status()).phase === 'Paused', 20_000);
    console.log(`leader killed: the other replica led ${takeover.toFixed(1)} s later`);

    const final = await status();
    expect(final).toMatchObject({ step: 3, weight: 30, reason: 'step 3: paused until promoted' });
    const steps = final.history
      .filter((e: { kind: string }) => e.kind === 'step')
      .map((e: { message: string }) => e.message);
    expect(steps).toEqual(['step 0: canary weight 10%', 'step 1: pause of 6s over', 'step 2: canary weight 30%']);

    // Every event of the rollout reached the webhook at least once, the dead leader's undelivered ones resent.
    const seqs = final.history.map((e: { seq: number }) => e.seq);
    await waitFor(
      'every event at the webhook',
      async () => seqs.every((s: number) => delivered.some((d) => d.seq === s)),
      10_000,
    );
    expect(delivered.every((d) => d.key === `flight-delay-${d.seq}`)).toBe(true);
  });
});
