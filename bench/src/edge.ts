// `npm run build && npm run bench:edge`: the edge agent from a bundle of the demo models, over several rounds, against
// the targets: cold start (spawn -> first 200 on predict), resident memory, single-record predict p50 on
// loopback, and peak predict throughput over the gateway's full path (gateway -> preprocessor -> inference on NATS)
// measured in the same round. Beside the cold start, the CPU time the agent spent on it: on a machine other work
// loads, wall time mostly says how long the agent waited for a core. With --sea, each round measures the single
// executable (`npm run build:edge-sea`) the same way, right after the node-run agent.
// Usage: node dist/bench/src/edge.js [--rounds N] [--duration S] [--concurrency N] [--sea EXECUTABLE] [--json]
import { appEntry, freePort, spawnManaged, startStack, workspaceRoot } from '@aviary/testing';
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { fetchJson, jsonPost, loopbackUrl } from './http-client';
import { runClosedLoop } from './load';
import { Figure, figureOf, figuresTable, thisMachine } from './report';
import { perRoundRatios } from './rounds';
import { runBench } from './run-bench';
import { processCpuMs, processRssKiB } from './usage';

const BODY = { instances: [{ date: '2001/01/14 17:05', distance: 1009, origin: 'SEA', destination: 'SFO' }] };
const PREDICT_PATH = '/v1/models/flight-delay/predict';
const TIMEOUT_MS = 5000;
const TARGETS = { coldStartMs: 2000, rssMiB: 150, p50Ms: 0.5, overGateway: 1.5 };

/** One agent's figures in a round. */
interface AgentRound {
  coldStartMs: number;
  coldStartCpuMs?: number;
  rssMiB?: number;
  p50Ms: number;
  peak: number;
}

interface Round {
  edge: AgentRound;
  sea?: AgentRound;
  gatewayPeak: number;
}

interface AgentRun {
  name: string;
  command: string;
  args: string[];
  bundle: string;
  concurrency: number;
  durationMs: number;
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      rounds: { type: 'string', default: '3' },
      duration: { type: 'string', default: '5' },
      concurrency: { type: 'string', default: '32' },
      sea: { type: 'string' },
      json: { type: 'boolean', default: false },
    },
  });
  const rounds = Number(values.rounds);
  const durationMs = Number(values.duration) * 1000;
  const concurrency = Number(values.concurrency);
  const dir = mkdtempSync(join(tmpdir(), 'aviary-bench-edge-'));
  const stack = await startStack({ services: ['inference', 'preprocessor', 'flags', 'gateway'] });
  try {
    await stack.waitForModel('flight-delay');
    const bundle = join(dir, 'bundle');
    const made = stack.cli([
      'edge',
      'bundle',
      '--model',
      'flight-delay',
      '--model',
      'penguin-species',
      '--out',
      bundle,
    ]);
    if (made.code !== 0) throw new Error(`aviary edge bundle failed: ${made.stderr}`);
    const run = { bundle, concurrency, durationMs };
    const results: Round[] = [];
    for (let round = 0; round < rounds; round++) {
      const edge = await measureAgent({ ...run, name: 'edge', command: process.execPath, args: [appEntry('edge')] });
      const sea = values.sea
        ? await measureAgent({ ...run, name: 'edge (sea)', command: resolve(values.sea), args: [] })
        : undefined;
      const gatewayTarget = jsonPost({
        url: loopbackUrl(`${stack.gateway.httpUrl}${PREDICT_PATH}`),
        body: BODY,
        timeoutMs: TIMEOUT_MS,
      });
      // Warm the path (JIT, sockets) before anything is measured.
      await runClosedLoop({ concurrency, durationMs: 1000, send: () => gatewayTarget.send() });
      const gatewayPeak = await runClosedLoop({ concurrency, durationMs, send: () => gatewayTarget.send() });
      gatewayTarget.close();
      if (gatewayPeak.errors > 0)
        throw new Error(`gateway peak: ${gatewayPeak.errors} errors, e.g. ${gatewayPeak.errorSamples[0]?.message}`);
      results.push({ edge, sea, gatewayPeak: gatewayPeak.throughput });
    }
    const agentFigures = (label: string, of: (r: Round) => AgentRound | undefined) => [
      figureOf(
        `${label}cold start to first prediction`,
        'ms',
        results.map((r) => of(r)?.coldStartMs),
      ),
      figureOf(
        `${label}agent CPU time to first prediction`,
        'ms',
        results.map((r) => of(r)?.coldStartCpuMs),
      ),
      figureOf(
        `${label}resident memory (demo models)`,
        'MiB',
        results.map((r) => of(r)?.rssMiB),
      ),
      figureOf(
        `${label}single-record predict p50`,
        'ms',
        results.map((r) => of(r)?.p50Ms),
      ),
      figureOf(
        `${label}edge peak predict`,
        'req/s',
        results.map((r) => of(r)?.peak),
      ),
    ];
    const median = (figure: Figure) => figure.spread?.median ?? NaN;
    // The agent's own targets, for the node-run agent and the single executable alike.
    const agentChecks = (label: string, [coldStart, , rss, p50]: Figure[]): [string, boolean, string][] => [
      [`${label}cold start`, median(coldStart) <= TARGETS.coldStartMs, `<= ${TARGETS.coldStartMs} ms`],
      [`${label}resident memory`, median(rss) <= TARGETS.rssMiB, `<= ${TARGETS.rssMiB} MiB`],
      [`${label}predict p50`, median(p50) <= TARGETS.p50Ms, `<= ${TARGETS.p50Ms} ms`],
    ];
    const edgeFigures = agentFigures('', (r) => r.edge);
    const overGateway = figureOf(
      'edge peak / gateway peak',
      'x',
      perRoundRatios(
        results.map((r) => r.edge.peak),
        results.map((r) => r.gatewayPeak),
      ),
    );
    const figures = [
      ...edgeFigures,
      figureOf(
        'gateway full path peak predict',
        'req/s',
        results.map((r) => r.gatewayPeak),
      ),
      overGateway,
    ];
    const checks = [
      ...agentChecks('', edgeFigures),
      ['peak over gateway', median(overGateway) >= TARGETS.overGateway, `>= ${TARGETS.overGateway} x`] as const,
    ];
    if (values.sea) {
      const seaFigures = agentFigures('single executable: ', (r) => r.sea);
      figures.push(
        ...seaFigures,
        figureOf(
          'single executable / node: cold start',
          'x',
          perRoundRatios(
            results.map((r) => r.sea?.coldStartMs),
            results.map((r) => r.edge.coldStartMs),
          ),
        ),
      );
      checks.push(...agentChecks('single executable: ', seaFigures));
    }
    if (values.json) console.log(JSON.stringify({ machine: thisMachine(), rounds: results, figures }, null, 2));
    else {
      const machine = thisMachine();
      console.log(
        `edge agent bench: ${rounds} rounds of ${values.duration} s, concurrency ${concurrency}; ` +
          `${machine.cores} cores (${machine.cpuModel}), load average ${loadavg()
            .map((l) => l.toFixed(1))
            .join(' ')}`,
      );
      console.log(figuresTable(figures, rounds));
      for (const [name, met, target] of checks) console.log(`${met ? 'met   ' : 'MISSED'} ${name} ${target}`);
    }
    return checks.every(([, met]) => met) ? 0 : 2;
  } finally {
    await stack.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** An agent spawned on the bundle: its cold start, then (warmed) single-record latency, peak and memory after it. */
async function measureAgent({ name, command, args, bundle, concurrency, durationMs }: AgentRun): Promise<AgentRound> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}${PREDICT_PATH}`;
  const started = performance.now();
  const agent = spawnManaged(name, command, args, {
    env: { ...process.env, AVIARY_EDGE_BUNDLE: bundle, AVIARY_HTTP_PORT: String(port), AVIARY_HOST: '127.0.0.1' },
    cwd: workspaceRoot(),
  });
  try {
    const coldStartMs = await firstPrediction(url, BODY, started);
    const pid = agent.child.pid;
    const coldStartCpuMs = pid === undefined ? undefined : processCpuMs(pid);
    const target = jsonPost({ url: loopbackUrl(url), body: BODY, timeoutMs: TIMEOUT_MS });
    // Warm the path (JIT, sockets) before anything is measured.
    await runClosedLoop({ concurrency, durationMs: 1000, send: () => target.send() });
    const single = await runClosedLoop({ concurrency: 1, durationMs, send: () => target.send() });
    const peak = await runClosedLoop({ concurrency, durationMs, send: () => target.send() });
    const rssKiB = pid === undefined ? undefined : processRssKiB(pid);
    target.close();
    for (const [load, r] of [
      ['single', single],
      ['peak', peak],
    ] as const)
      if (r.errors > 0) throw new Error(`${name} ${load}: ${r.errors} errors, e.g. ${r.errorSamples[0]?.message}`);
    return {
      coldStartMs,
      coldStartCpuMs,
      rssMiB: rssKiB === undefined ? undefined : rssKiB / 1024,
      p50Ms: single.latency.p50,
      peak: peak.throughput,
    };
  } finally {
    await agent.stop();
  }
}

/** Milliseconds from `started` to the first 200 on predict, polling as a client waiting for the agent would. */
async function firstPrediction(url: string, body: unknown, started: number): Promise<number> {
  for (;;) {
    try {
      await fetchJson(url, body);
      return performance.now() - started;
    } catch {
      if (performance.now() - started > 30_000) throw new Error('the edge agent gave no prediction within 30 s');
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  }
}

runBench('edge bench', main);
