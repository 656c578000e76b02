// `npm run build && npm run bench:edge`: the edge agent from a bundle of the demo models, over several rounds, against
// the targets: cold start (spawn -> first 200 on predict), resident memory, single-record predict p50 on
// loopback, and peak predict throughput over the gateway's full path (gateway -> preprocessor -> inference on NATS)
// measured in the same round. Beside the cold start, the CPU time the agent spent on it: on a machine other work
// loads, wall time mostly says how long the agent waited for a core.
// Usage: node dist/bench/src/edge.js [--rounds N] [--duration S] [--concurrency N] [--json]
import { appEntry, freePort, spawnManaged, startStack, workspaceRoot } from '@aviary/testing';
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { fetchJson, jsonPost, loopbackUrl } from './http-client';
import { runClosedLoop } from './load';
import { figureOf, figuresTable, thisMachine } from './report';
import { perRoundRatios } from './rounds';
import { runBench } from './run-bench';
import { processCpuMs, processRssKiB } from './usage';

const RECORD = { date: '2001/01/14 17:05', distance: 1009, origin: 'SEA', destination: 'SFO' };
const TIMEOUT_MS = 5000;
const TARGETS = { coldStartMs: 2000, rssMiB: 150, p50Ms: 0.5, overGateway: 1.5 };

interface Round {
  coldStartMs: number;
  coldStartCpuMs?: number;
  rssMiB?: number;
  p50Ms: number;
  edgePeak: number;
  gatewayPeak: number;
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      rounds: { type: 'string', default: '3' },
      duration: { type: 'string', default: '5' },
      concurrency: { type: 'string', default: '32' },
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
    const body = { instances: [RECORD] };
    const predictPath = '/v1/models/flight-delay/predict';
    const results: Round[] = [];
    for (let round = 0; round < rounds; round++) {
      const port = await freePort();
      const edgeUrl = `http://127.0.0.1:${port}`;
      const started = performance.now();
      const edge = spawnManaged('edge', process.execPath, [appEntry('edge')], {
        env: { ...process.env, AVIARY_EDGE_BUNDLE: bundle, AVIARY_HTTP_PORT: String(port), AVIARY_HOST: '127.0.0.1' },
        cwd: workspaceRoot(),
      });
      try {
        const coldStartMs = await firstPrediction(`${edgeUrl}${predictPath}`, body, started);
        const coldStartCpuMs = edge.child.pid === undefined ? undefined : processCpuMs(edge.child.pid);
        const edgeTarget = jsonPost({ url: loopbackUrl(`${edgeUrl}${predictPath}`), body, timeoutMs: TIMEOUT_MS });
        const gatewayTarget = jsonPost({
          url: loopbackUrl(`${stack.gateway.httpUrl}${predictPath}`),
          body,
          timeoutMs: TIMEOUT_MS,
        });
        // Warm both paths (JIT, sockets) before anything is measured.
        await runClosedLoop({ concurrency, durationMs: 1000, send: () => edgeTarget.send() });
        await runClosedLoop({ concurrency, durationMs: 1000, send: () => gatewayTarget.send() });
        const single = await runClosedLoop({ concurrency: 1, durationMs, send: () => edgeTarget.send() });
        const edgePeak = await runClosedLoop({ concurrency, durationMs, send: () => edgeTarget.send() });
        const rssKiB = edge.child.pid === undefined ? undefined : processRssKiB(edge.child.pid);
        const gatewayPeak = await runClosedLoop({ concurrency, durationMs, send: () => gatewayTarget.send() });
        edgeTarget.close();
        gatewayTarget.close();
        for (const [name, r] of [
          ['edge single', single],
          ['edge peak', edgePeak],
          ['gateway peak', gatewayPeak],
        ] as const)
          if (r.errors > 0) throw new Error(`${name}: ${r.errors} errors, e.g. ${r.errorSamples[0]?.message}`);
        results.push({
          coldStartMs,
          coldStartCpuMs,
          rssMiB: rssKiB === undefined ? undefined : rssKiB / 1024,
          p50Ms: single.latency.p50,
          edgePeak: edgePeak.throughput,
          gatewayPeak: gatewayPeak.throughput,
        });
      } finally {
        await edge.stop();
      }
    }
    const figures = [
      figureOf(
        'cold start to first prediction',
        'ms',
        results.map((r) => r.coldStartMs),
      ),
      figureOf(
        'agent CPU time to first prediction',
        'ms',
        results.map((r) => r.coldStartCpuMs),
      ),
      figureOf(
        'resident memory (demo models)',
        'MiB',
        results.map((r) => r.rssMiB),
      ),
      figureOf(
        'single-record predict p50',
        'ms',
        results.map((r) => r.p50Ms),
      ),
      figureOf(
        'edge peak predict',
        'req/s',
        results.map((r) => r.edgePeak),
      ),
      figureOf(
        'gateway full path peak predict',
        'req/s',
        results.map((r) => r.gatewayPeak),
      ),
      figureOf(
        'edge peak / gateway peak',
        'x',
        perRoundRatios(
          results.map((r) => r.edgePeak),
          results.map((r) => r.gatewayPeak),
        ),
      ),
    ];
    const median = (i: number) => figures[i].spread?.median ?? NaN;
    const checks = [
      ['cold start', median(0) <= TARGETS.coldStartMs, `<= ${TARGETS.coldStartMs} ms`],
      ['resident memory', median(2) <= TARGETS.rssMiB, `<= ${TARGETS.rssMiB} MiB`],
      ['predict p50', median(3) <= TARGETS.p50Ms, `<= ${TARGETS.p50Ms} ms`],
      ['peak over gateway', median(6) >= TARGETS.overGateway, `>= ${TARGETS.overGateway} x`],
    ] as const;
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
