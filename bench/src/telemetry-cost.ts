// What site telemetry costs the gateway: peak REST predict throughput of a gateway with AVIARY_SITE set (every
// request logged, sample 1, summaries on) against one without, both on the same NATS and services, measured back to
// back in each round (order swapped every round), printed as the per-round ratio, its median and range.
// Usage: npm run build && node dist/bench/src/telemetry-cost.js [--rounds 3] [--duration 10] [--concurrency 32]
import { streams, subjects } from '@aviary/contracts';
import { freePort, startStack, waitFor } from '@aviary/testing';
import { connect } from 'nats';
import { jsonPost } from './http-client';
import { ClosedLoopResult, runClosedLoop } from './load';
import { readLoadOptions } from './load-options';
import { perRoundRatios, spread } from './rounds';
import { runBench } from './run-bench';

const MODEL = 'flight-delay';
const RECORD = { date: '2001/01/14 17:05', distance: 1009, origin: 'SEA', destination: 'SFO' };
const SITE = 'bench';

const progress = (message: string) => process.stderr.write(`[telemetry-cost] ${message}\n`);

async function main(): Promise<number> {
  const { rounds, durationMs, concurrency } = readLoadOptions();

  progress('starting nats-server and every service (npm run build must have run)');
  const stack = await startStack({ env: { LOG_LEVEL: 'error' } });
  const nc = await connect({ servers: stack.natsUrl });
  // The site's stream, as deploy/nats/edge-mirrors.js creates it: what the logging gateway publishes to.
  const jsm = await nc.jetstreamManager();
  await jsm.streams.add({
    name: streams.siteTelemetry,
    subjects: [subjects.siteTelemetry(SITE)],
  });
  const logging = await stack.startService('gateway', {
    AVIARY_SITE: SITE,
    AVIARY_PREDICTION_LOG_SAMPLE: '1',
    AVIARY_GRPC_PORT: String(await freePort()),
  });
  const post = (base: string) =>
    jsonPost({ url: new URL(`${base}/v1/models/${MODEL}/predict`), body: { instances: [RECORD] }, timeoutMs: 5000 });
  const targets = { without: post(stack.gateway.httpUrl), with: post(logging.httpUrl) };
  try {
    await stack.waitForModel(MODEL);
    await waitFor(
      'the logging gateway to serve the model',
      async () => (await fetch(`${logging.httpUrl}/v2/models/${MODEL}/ready`)).ok,
      60_000,
    );
    const measure = (label: keyof typeof targets, round: string) => {
      progress(`${round} ${label} site telemetry: ${concurrency} in flight for ${durationMs / 1000} s`);
      return runClosedLoop({ concurrency, durationMs, send: targets[label].send, maxRequests: 2_000_000 });
    };
    progress('warming up both gateways');
    for (const target of Object.values(targets))
      await runClosedLoop({ concurrency: 4, durationMs: 2000, send: target.send });

    const without: ClosedLoopResult[] = [];
    const withLog: ClosedLoopResult[] = [];
    const lines: string[] = [];
    for (let r = 0; r < rounds; r++) {
      const round = `round ${r + 1}/${rounds}`;
      // Back to back, the first swapped each round, so drifting load on the shared machine hits both.
      let off: ClosedLoopResult | undefined;
      if (r % 2 === 0) off = await measure('without', round);
      const on = await measure('with', round);
      off ??= await measure('without', round);
      without.push(off);
      withLog.push(on);
      lines.push(`${round}: without ${off.throughput.toFixed(0)} req/s, with ${on.throughput.toFixed(0)} req/s`);
    }
    const { state } = await jsm.streams.info(streams.siteTelemetry);
    const ratios = perRoundRatios(
      withLog.map((r) => r.throughput),
      without.map((r) => r.throughput),
    ).filter((r): r is number => r !== undefined);
    const ratio = spread(ratios);
    const errors = [...without, ...withLog].reduce((sum, r) => sum + r.errors, 0);
    console.log(`REST predict with site telemetry (AVIARY_SITE set, sample 1) vs without, ${concurrency} in flight`);
    for (const line of lines) console.log(`  ${line}`);
    const p = (results: ClosedLoopResult[]) => spread(results.map((r) => r.latency.p50))?.median.toFixed(2) ?? '-';
    console.log(`  median p50 latency: without ${p(without)} ms, with ${p(withLog)} ms`);
    console.log(
      `  throughput ratio (with / without): median ${ratio?.median.toFixed(3)}× ` +
        `(range ${ratio?.min.toFixed(3)}-${ratio?.max.toFixed(3)}, ${ratios.length} rounds)`,
    );
    console.log(`  the site's stream holds ${state.messages} messages, ${(state.bytes / 1e6).toFixed(1)} MB`);
    if (errors > 0) console.log(`  ${errors} requests failed`);
    return errors === 0 ? 0 : 1;
  } finally {
    for (const target of Object.values(targets)) target.close();
    await nc.close();
    await stack.stop();
  }
}

runBench('telemetry-cost', main);
