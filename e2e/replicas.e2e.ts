// Replicas in NATS queue groups: requests spread, a killed replica is routed around, SIGTERM drains.
import { startStack, Stack } from '@aviary/testing';
import { FLIGHT, postJson } from './support';

describe('inference replicas', () => {
  let stack: Stack;
  const predict = () => postJson(`${stack.gateway.httpUrl}/v1/models/flight-delay/predict`, { instances: [FLIGHT] });

  beforeAll(async () => {
    stack = await startStack({
      replicas: { inference: 2, preprocessor: 2 },
      services: ['inference', 'preprocessor', 'gateway'],
    });
    await stack.waitForModel('flight-delay');
  });

  afterAll(() => stack?.stop());

  it('spreads requests across both inference replicas', async () => {
    for (let i = 0; i < 60; i++) expect((await predict()).status).toBe(200);
    const counts = await Promise.all(
      stack.processes
        .filter((p) => p.service === 'inference')
        .map(async (p) => {
          const metrics = await (await fetch(`${p.httpUrl}/metrics`)).text();
          const line = metrics
            .split('\n')
            .find(
              (l) =>
                l.startsWith('aviary_inference_requests_total{') &&
                l.includes('version="2"') &&
                l.includes('outcome="ok"'),
            );
          return line ? Number(line.split(' ').pop()) : 0;
        }),
    );
    expect(counts).toHaveLength(2);
    for (const count of counts) expect(count).toBeGreaterThan(5);
  });

  it('answers every request sent after one replica is killed during a stream', async () => {
    const [victim] = stack.processes.filter((p) => p.service === 'inference');
    const statuses: number[] = [];
    let killedAt = 0;
    const stream = (async () => {
      for (let i = 0; i < 300; i++) {
        const sentAt = Date.now();
        const status = (await predict()).status;
        if (killedAt && sentAt > killedAt) statuses.push(status);
      }
    })();
    await new Promise((r) => setTimeout(r, 200));
    await victim.kill();
    killedAt = Date.now();
    await stream;
    expect(statuses.length).toBeGreaterThan(50);
    expect(statuses.every((s) => s === 200)).toBe(true);
  });

  it('finishes in-flight work when a replica gets SIGTERM', async () => {
    await stack.startService('inference');
    await stack.waitForModel('flight-delay', '2');
    const replicas = stack.processes.filter(
      (p) => p.service === 'inference' && p.child.exitCode === null && p.child.signalCode === null,
    );
    expect(replicas.length).toBeGreaterThanOrEqual(2);
    const burst = Array.from({ length: 200 }, () => predict());
    const stopping = replicas[0].stop();
    const results = await Promise.all(burst);
    await stopping;
    expect(results.filter((r) => r.status !== 200)).toEqual([]);
    expect(await replicas[0].exited).toBe(0);
    expect(replicas[0].output()).toMatch(/inference stopped/);
  });
});
