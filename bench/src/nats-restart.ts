// Chaos on loopback: REST predict traffic while nats-server is stopped and started again, a few times. Prints what
// the clients got in each phase and how long after each restart the first prediction came back; fails when a
// service died, a request hung until its timeout (504), or the last steady phase saw any error.
// Usage: npm run build && node dist/bench/src/nats-restart.js [--rounds 3] [--outage-ms 2000] [--concurrency 8]
import { startNatsServer, startStack } from '@aviary/testing';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { jsonPost } from './http-client';

const RECORD = { date: '2001/01/14 17:05', distance: 1009, origin: 'SEA', destination: 'SFO' };
const STEADY_MS = 2000;
const PAUSE_MS = 2; // per client between requests, so fast 503s during an outage stay a bounded stream

/** Requests by outcome: "200", "HTTP 503", "HTTP 504", or the client's error. */
type Tally = Map<string, number>;

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      rounds: { type: 'string', default: '3' },
      'outage-ms': { type: 'string', default: '2000' },
      concurrency: { type: 'string', default: '8' },
    },
  });
  const rounds = Number(values.rounds);
  const outageMs = Number(values['outage-ms']);
  const concurrency = Number(values.concurrency);
  if (![rounds, outageMs, concurrency].every((n) => Number.isInteger(n) && n > 0))
    throw new Error('--rounds, --outage-ms and --concurrency must be positive integers');

  const storeDir = mkdtempSync(join(tmpdir(), 'aviary-nats-restart-'));
  let nats = await startNatsServer({ storeDir });
  const stack = await startStack({ natsUrl: nats.url, replicas: { inference: 2 }, env: { LOG_LEVEL: 'error' } });
  const clients = Array.from({ length: concurrency }, () =>
    jsonPost({
      url: new URL(`${stack.gateway.httpUrl}/v1/models/flight-delay/predict`),
      body: { instances: [RECORD] },
      timeoutMs: 10_000,
    }),
  );
  let tally: Tally = new Map();
  let firstOkAt: number | undefined;
  let running = true;
  const count = (outcome: string) => tally.set(outcome, (tally.get(outcome) ?? 0) + 1);
  const traffic = clients.map(async (client) => {
    while (running) {
      await client.send().then(
        () => {
          firstOkAt ??= performance.now();
          count('200');
        },
        (e: Error) => count(e.message.match(/^HTTP \d+/)?.[0] ?? e.message),
      );
      await new Promise((resolve) => setTimeout(resolve, PAUSE_MS));
    }
  });
  /** Outcomes other than an answer or a fast 503, in any phase: a hang (504, client timeout) or a broken socket. */
  const unexpected = new Set<string>();
  const phase = async (name: string, ms: number) => {
    tally = new Map();
    await new Promise((resolve) => setTimeout(resolve, ms));
    const outcomes = [...tally].sort().map(([outcome, n]) => `${outcome} x ${n}`);
    console.log(`${name.padEnd(28)} ${outcomes.join(', ') || 'no requests finished'}`);
    for (const outcome of tally.keys()) if (outcome !== '200' && outcome !== 'HTTP 503') unexpected.add(outcome);
    return tally;
  };

  try {
    await stack.waitForModel('flight-delay');
    console.log(`nats-server restarts under ${concurrency} clients of REST predict, ${rounds} rounds`);
    await phase('steady', STEADY_MS);
    const recoveries: number[] = [];
    for (let round = 1; round <= rounds; round++) {
      const port = nats.port;
      await nats.process.stop();
      await phase(`round ${round}: NATS down`, outageMs);
      firstOkAt = undefined;
      const restartedAt = performance.now();
      nats = await startNatsServer({ storeDir, port });
      await phase(`round ${round}: NATS back`, STEADY_MS);
      recoveries.push(firstOkAt === undefined ? Infinity : firstOkAt - restartedAt);
    }
    const last = await phase('steady after the last round', STEADY_MS);
    console.log(`first prediction after each restart: ${recoveries.map((ms) => `${ms.toFixed(0)} ms`).join(', ')}`);

    const dead = stack.processes.filter((p) => p.child.exitCode !== null).map((p) => p.name);
    const problems = [
      ...(dead.length ? [`services exited: ${dead.join(', ')}`] : []),
      ...(unexpected.size ? [`unexpected outcomes: ${[...unexpected].join(', ')}`] : []),
      ...([...last.keys()].some((k) => k !== '200') ? ['errors in the last steady phase'] : []),
      ...(recoveries.some((ms) => ms === Infinity) ? ['no prediction after a restart'] : []),
    ];
    console.log(problems.length ? `FAIL ${problems.join('; ')}` : 'PASS every service survived and serves again');
    return problems.length ? 1 : 0;
  } finally {
    running = false;
    await Promise.all(traffic);
    for (const client of clients) client.close();
    await stack.stop();
    await nats.stop();
    rmSync(storeDir, { recursive: true, force: true });
  }
}

main().then(
  (code) => process.exit(code),
  (error: Error) => {
    console.error(`nats-restart failed: ${error.message}`);
    process.exit(1);
  },
);
