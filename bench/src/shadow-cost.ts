// What shadow traffic costs: peak REST predict throughput with 10 % of requests mirrored to a candidate version
// against the same predict without a shadow flag, back to back in each round (order swapped every round), printed as
// the per-round ratio and checked against the target (median ≥ 0.85×).
// Usage: npm run build && node dist/bench/src/shadow-cost.js [--rounds 3] [--duration 10] [--concurrency 32]
//        [--percent 10]
import { shadowSummarySchema, subjects } from '@aviary/contracts';
import { gatherReplies } from '@aviary/messaging';
import { shadowReport } from '@aviary/rollout';
import { startStack } from '@aviary/testing';
import { connect } from 'nats';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { jsonPost } from './http-client';
import { ClosedLoopResult, runClosedLoop } from './load';
import { perRoundRatios, spread } from './rounds';
import { runBench } from './run-bench';

const MODEL = 'flight-delay';
const RECORD = { date: '2001/01/14 17:05', distance: 1009, origin: 'SEA', destination: 'SFO' };
const TARGET_RATIO = 0.85;
/** Long enough for a flag change to reach the gateway's KV watch (milliseconds, measured in the e2e tests). */
const FLAG_SETTLE_MS = 1000;

const progress = (message: string) => process.stderr.write(`[shadow-cost] ${message}\n`);
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      rounds: { type: 'string', default: '3' },
      duration: { type: 'string', default: '10' },
      concurrency: { type: 'string', default: '32' },
      percent: { type: 'string', default: '10' },
    },
  });
  const rounds = Number(values.rounds);
  const durationMs = Number(values.duration) * 1000;
  const concurrency = Number(values.concurrency);
  const percent = Number(values.percent);
  if (![rounds, concurrency].every((n) => Number.isInteger(n) && n > 0) || !(durationMs > 0))
    throw new Error('--rounds and --concurrency must be positive integers, --duration a positive number of seconds');
  if (!(percent > 0 && percent <= 100)) throw new Error('--percent must be above 0 and at most 100');

  progress('starting nats-server and every service (npm run build must have run)');
  const stack = await startStack({ env: { LOG_LEVEL: 'error' } });
  const nc = await connect({ servers: stack.natsUrl });
  const dir = mkdtempSync(join(tmpdir(), 'aviary-shadow-cost-'));
  const target = jsonPost({
    url: new URL(`${stack.gateway.httpUrl}/v1/models/${MODEL}/predict`),
    body: { instances: [RECORD] },
    timeoutMs: 5000,
  });
  try {
    await stack.waitForModel(MODEL, '1');
    await stack.waitForModel(MODEL, '2');
    const applyFlags = async (flags: object) => {
      const file = join(dir, `flags-${Date.now()}.json`);
      writeFileSync(file, JSON.stringify({ flags }));
      const applied = stack.cli(['flags', 'apply', '-f', file]);
      if (applied.code !== 0) throw new Error(`flags apply failed: ${applied.stderr}`);
      await pause(FLAG_SETTLE_MS);
    };
    const shadowOn = {
      'model.flight-delay.shadow': {
        state: 'ENABLED',
        variants: { on: { version: '1', percent } },
        defaultVariant: 'on',
      },
    };
    const mirrored = async () => {
      const replies = await gatherReplies(nc, subjects.shadowMetrics(MODEL), 500);
      const rows = shadowReport(replies.map((b) => shadowSummarySchema.parse(JSON.parse(Buffer.from(b).toString()))));
      return rows.reduce((sum, r) => sum + r.sent + r.dropped, 0);
    };
    const measure = async (label: string, flags: object) => {
      await applyFlags(flags);
      const before = await mirrored();
      progress(`${label}: ${concurrency} in flight for ${durationMs / 1000} s`);
      const result = await runClosedLoop({ concurrency, durationMs, send: target.send, maxRequests: 2_000_000 });
      return { result, mirrored: (await mirrored()) - before };
    };

    progress('warming up');
    await runClosedLoop({ concurrency: 4, durationMs: 2000, send: target.send });
    const without: ClosedLoopResult[] = [];
    const withShadow: ClosedLoopResult[] = [];
    const lines: string[] = [];
    for (let r = 0; r < rounds; r++) {
      const round = `round ${r + 1}/${rounds}`;
      // Back to back, the first swapped each round, so drifting load on the shared machine hits both.
      let off: Awaited<ReturnType<typeof measure>> | undefined;
      if (r % 2 === 0) off = await measure(`${round} without shadow`, {});
      const on = await measure(`${round} with shadow`, shadowOn);
      off ??= await measure(`${round} without shadow`, {});
      without.push(off.result);
      withShadow.push(on.result);
      const share = (100 * on.mirrored) / Math.max(1, on.result.requests);
      lines.push(
        `${round}: without ${off.result.throughput.toFixed(0)} req/s, with ${percent} % shadow ` +
          `${on.result.throughput.toFixed(0)} req/s (${share.toFixed(1)} % mirrored; ${off.mirrored} mirrored without)`,
      );
    }

    const ratios = perRoundRatios(
      withShadow.map((r) => r.throughput),
      without.map((r) => r.throughput),
    ).filter((r): r is number => r !== undefined);
    const ratio = spread(ratios);
    const errors = [...without, ...withShadow].reduce((sum, r) => sum + r.errors, 0);
    console.log(
      `REST predict with ${percent} % shadow vs without (${MODEL}: stable 2, candidate 1), ${concurrency} in flight`,
    );
    for (const line of lines) console.log(`  ${line}`);
    const p = (results: ClosedLoopResult[]) => spread(results.map((r) => r.latency.p50))?.median.toFixed(2) ?? '-';
    console.log(`  median p50 latency: without ${p(without)} ms, with ${p(withShadow)} ms`);
    console.log(
      `  throughput ratio: median ${ratio?.median.toFixed(3)}× (range ${ratio?.min.toFixed(3)}-${ratio?.max.toFixed(3)}); ` +
        `target ≥ ${TARGET_RATIO}×: ${ratio && ratio.median >= TARGET_RATIO ? 'met' : 'NOT met'}`,
    );
    if (errors > 0) console.log(`  ${errors} requests failed`);
    return ratio && ratio.median >= TARGET_RATIO && errors === 0 ? 0 : 1;
  } finally {
    target.close();
    await nc.close();
    await stack.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

runBench('shadow-cost', main);
