// What a header match rule costs the predict path: peak REST predict throughput while a blue/green rollout previews
// its candidate by header (the gateway copies the one named header into each evaluation context) against the same
// predict with no rollout at all, and against a rollout whose preview rule reads a context attribute (no header copy),
// all three back to back in each round, the order rotated. Every request carries "X-Canary: no", so all of them are
// answered by stable in every arm. Prints each round, the per-round ratios' median and range.
// Usage: npm run build && node dist/bench/src/rollout-match-cost.js [--rounds 3] [--duration 10] [--concurrency 32]
import { startStack, Stack } from '@aviary/testing';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jsonPost } from './http-client';
import { ClosedLoopResult, runClosedLoop } from './load';
import { readLoadOptions } from './load-options';
import { perRoundRatios, spread } from './rounds';
import { runBench } from './run-bench';

const MODEL = 'flight-delay';
const RECORD = { date: '2001/01/14 17:05', distance: 1009, origin: 'SEA', destination: 'SFO' };
/** A controller tick (1 s) to write the rollout flag, then the gateway's KV watch. */
const ROLLOUT_SETTLE_MS = 2500;

type Arm = 'none' | 'header rule' | 'attribute rule';
const ARMS: Arm[] = ['none', 'header rule', 'attribute rule'];
const PREVIEW: Record<Exclude<Arm, 'none'>, object> = {
  'header rule': { header: 'X-Canary', values: ['yes'] },
  'attribute rule': { attribute: 'tier', values: ['internal'] },
};

const progress = (message: string) => process.stderr.write(`[rollout-match-cost] ${message}\n`);
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function main(): Promise<number> {
  const { rounds, durationMs, concurrency } = readLoadOptions();

  progress('starting nats-server and every service (npm run build must have run)');
  const stack = await startStack({ env: { LOG_LEVEL: 'error' } });
  const dir = mkdtempSync(join(tmpdir(), 'aviary-rollout-match-cost-'));
  const url = new URL(`${stack.gateway.httpUrl}/v1/models/${MODEL}/predict`);
  const target = jsonPost({ url, body: { instances: [RECORD] }, timeoutMs: 5000, headers: { 'X-Canary': 'no' } });
  try {
    await stack.waitForModel(MODEL, '1');
    await stack.waitForModel(MODEL, '2');
    cli(stack, ['models', 'serve', MODEL, '1']);
    const setArm = async (arm: Arm) => {
      if (arm === 'none') {
        const aborted = stack.cli(['rollout', 'abort', MODEL]);
        if (aborted.code !== 0 && !/not found|no rollout|Degraded/.test(aborted.stderr))
          throw new Error(aborted.stderr);
      } else {
        const file = join(dir, 'rollout.json');
        const strategy = { blueGreen: { preview: { match: [PREVIEW[arm]] } } };
        writeFileSync(file, JSON.stringify({ model: MODEL, candidate: '2', strategy }));
        cli(stack, ['rollout', 'apply', '-f', file]);
      }
      await pause(ROLLOUT_SETTLE_MS);
      // The arm is in place: a matching preview request reaches the candidate only under a rollout with that rule.
      const probe = await previewVersion(url, arm === 'attribute rule');
      if (probe !== (arm === 'none' ? '1' : '2')) throw new Error(`${arm}: a preview request reached version ${probe}`);
    };

    progress('warming up');
    await runClosedLoop({ concurrency: 4, durationMs: 2000, send: target.send });
    const results = new Map<Arm, ClosedLoopResult[]>(ARMS.map((arm) => [arm, []]));
    const lines: string[] = [];
    for (let r = 0; r < rounds; r++) {
      const round = `round ${r + 1}/${rounds}`;
      const order = ARMS.map((_, i) => ARMS[(i + r) % ARMS.length]);
      const line: string[] = [];
      for (const arm of order) {
        await setArm(arm);
        progress(`${round} ${arm}: ${concurrency} in flight for ${durationMs / 1000} s`);
        const result = await runClosedLoop({ concurrency, durationMs, send: target.send, maxRequests: 2_000_000 });
        results.get(arm)!.push(result);
        line.push(`${arm} ${result.throughput.toFixed(0)} req/s`);
      }
      lines.push(`${round} (${order.join(', ')} in that order): ${line.join(', ')}`);
    }
    await setArm('none');

    const throughput = (arm: Arm) => results.get(arm)!.map((x) => x.throughput);
    const ratio = (arm: Arm, baseline: Arm) =>
      spread(perRoundRatios(throughput(arm), throughput(baseline)).filter((x): x is number => x !== undefined));
    const shown = (s: ReturnType<typeof ratio>) =>
      `median ${s?.median.toFixed(3)}× (range ${s?.min.toFixed(3)}-${s?.max.toFixed(3)})`;
    console.log(`REST predict of ${MODEL} under a blue/green preview rule vs no rollout, ${concurrency} in flight`);
    for (const line of lines) console.log(`  ${line}`);
    const p50 = (arm: Arm) => spread(results.get(arm)!.map((x) => x.latency.p50))?.median.toFixed(2) ?? '-';
    console.log(`  median p50 latency: ${ARMS.map((arm) => `${arm} ${p50(arm)} ms`).join(', ')}`);
    console.log(`  header rule / no rollout: ${shown(ratio('header rule', 'none'))}`);
    console.log(
      `  header rule / attribute rule (the header copy alone): ${shown(ratio('header rule', 'attribute rule'))}`,
    );
    const errors = [...results.values()].flat().reduce((sum, x) => sum + x.errors, 0);
    if (errors > 0) console.log(`  ${errors} requests failed`);
    return errors === 0 ? 0 : 1;
  } finally {
    target.close();
    await stack.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

function cli(stack: Stack, args: string[]): void {
  const result = stack.cli(args);
  if (result.code !== 0) throw new Error(`aviary ${args.join(' ')} failed: ${result.stderr}`);
}

/** The version a request matching the arm's preview rule gets. */
async function previewVersion(url: URL, byAttribute: boolean): Promise<string> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(byAttribute ? {} : { 'X-Canary': 'yes' }) },
    body: JSON.stringify({ instances: [RECORD], ...(byAttribute && { context: { tier: 'internal' } }) }),
  });
  return ((await response.json()) as { version: string }).version;
}

runBench('rollout-match-cost', main);
