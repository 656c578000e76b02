// NATS restarted under a running stack (an upgrade, a crashed pod): while it is down the gateway answers 503 at
// once and reports not ready; once it is back every service reconnects and serves again, with nothing restarted.
import { NatsServer, pushDemoBundleAs, Stack, startNatsServer, startStack, waitFor } from '@aviary/testing';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FLIGHT, postJson } from './support';

describe('a nats-server restart under a running stack', () => {
  const storeDir = mkdtempSync(join(tmpdir(), 'aviary-nats-restart-'));
  let nats: NatsServer;
  let stack: Stack;

  beforeAll(async () => {
    nats = await startNatsServer({ storeDir });
    stack = await startStack({ natsUrl: nats.url });
    await stack.waitForModel('flight-delay');
  });

  afterAll(async () => {
    await stack?.stop();
    await nats?.stop();
    rmSync(storeDir, { recursive: true, force: true });
  });

  const predict = () => postJson(`${stack.gateway.httpUrl}/v1/models/flight-delay/predict`, { instances: [FLIGHT] });

  it('answers 503 at once while NATS is down, and serves again once it is back', async () => {
    expect((await predict()).status).toBe(200);
    const port = nats.port;
    await nats.process.stop();

    const started = Date.now();
    const down = await predict();
    expect(down.status).toBe(503);
    expect(down.body.error).toMatch(/NATS connection (is down|lost)/);
    expect(Date.now() - started).toBeLessThan(2_000); // not the 5 s request timeout
    await waitFor(
      'every service to report not ready',
      async () => {
        const states = await Promise.all(stack.processes.map((p) => fetch(`${p.httpUrl}/health/ready`)));
        return states.every((r) => r.status === 503);
      },
      10_000,
    );
    expect((await fetch(`${stack.gateway.httpUrl}/v2/health/ready`)).status).toBe(503);

    nats = await startNatsServer({ port, storeDir });
    await waitFor(
      'the gateway to be ready again',
      async () => (await fetch(`${stack.gateway.httpUrl}/v2/health/ready`)).ok,
      20_000,
    );
    // At once: the versions stayed routable through the outage, though every watch started over.
    const back = await predict();
    expect({ status: back.status, body: back.body }).toMatchObject({ status: 200, body: { predictions: [{}] } });
    for (const p of stack.processes) expect(p.child.exitCode).toBeNull();
  });

  it('still follows the registry after the restart: a version pushed now serves within seconds', async () => {
    const push = pushDemoBundleAs(stack, { model: 'flight-delay', from: '2', version: '7', serve: true });
    expect(push.stderr).toBe('');
    await waitFor('version 7 to take traffic', async () => (await predict()).body.version === '7', 10_000);
  });
});
