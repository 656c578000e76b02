// The rollout benchmark, through the real services: (a) reaction time — a canary whose candidate fails every
// request, with a 1 s analysis interval, from the first failing response to every response on stable, request by
// request at the client; (b) stickiness — 10,000 targeting keys at fixed weights, each key on one version across
// repeats, and only stable → canary moves as the weight grows; (c) cost — REST predict throughput during a 50/50
// canary and a 50/50 canary with 10 % shadow, each as a ratio to the same predict with no rollout in the same round.
// Usage: npm run build && npm run bench:rollout [-- --rounds 3 --reaction-rounds 5 --keys 10000 --duration 5
//        --concurrency 32]
import { FlagSet, routeModel } from '@aviary/flags-engine';
import { rolloutFlagDocument } from '@aviary/rollout';
import { pushFaultyFlightDelay, startStack, Stack } from '@aviary/testing';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { fetchJson, jsonPost } from './http-client';
import { ClosedLoopResult, runClosedLoop } from './load';
import { perRoundRatios, spread, Spread } from './rounds';
import { runBench } from './run-bench';

const MODEL = 'flight-delay';
/** Long enough for a flag change to reach the gateway's KV watch. */
const FLAG_SETTLE_MS = 1000;
const REACTION_TARGET_S = 3;
const COST_TARGET = 0.85;
const WEIGHTS = [10, 50, 90];
const FLIGHT = { date: '2001/01/14 17:05', distance: 1009, origin: 'SEA', destination: 'SFO' };
/** A flight the faulty version (v3) always fails on: longer than its fault's threshold. */
const LONG_FLIGHT = { ...FLIGHT, distance: 2500 };

const progress = (message: string) => process.stderr.write(`[rollout] ${message}\n`);
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const range = (s: Spread | undefined, digits: number, unit = '') =>
  s
    ? `median ${s.median.toFixed(digits)}${unit} (range ${s.min.toFixed(digits)}-${s.max.toFixed(digits)}${unit})`
    : '-';

interface RolloutView {
  status: { phase: string; step: number; weight: number; candidate: string };
}

class Admin {
  constructor(private readonly url: string) {}

  apply(document: object): Promise<unknown> {
    return fetch(`${this.url}/v1/admin/rollouts`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(document),
    }).then(async (r) => {
      if (!r.ok) throw new Error(`apply answered ${r.status}: ${await r.text()}`);
    });
  }

  command(command: string): Promise<unknown> {
    return fetchJson(`${this.url}/v1/admin/rollouts/${MODEL}/${command}`, {});
  }

  rollout(): Promise<RolloutView> {
    return fetchJson<RolloutView>(`${this.url}/v1/admin/rollouts/${MODEL}`);
  }

  /** Waits until the rollout's status holds, then for the traffic flag to reach the gateway. */
  async until(what: string, holds: (s: RolloutView['status']) => boolean, timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!holds((await this.rollout()).status)) {
      if (Date.now() > deadline)
        throw new Error(`timed out waiting for ${what}: ${JSON.stringify(await this.rollout())}`);
      await pause(100);
    }
    await pause(FLAG_SETTLE_MS);
  }
}

/** One predict with a targeting key: the version that answered, or null for a failure. */
async function versionFor(url: string, targetingKey: string, record: object): Promise<string | null> {
  const response = await fetch(`${url}/v1/models/${MODEL}/predict`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ instances: [record], context: { targetingKey } }),
  });
  const body = (await response.json()) as { version?: string };
  return response.ok ? (body.version ?? null) : null;
}

/** Every key once, `concurrency` at a time: key → version. */
async function versionsOf(url: string, keys: readonly string[], concurrency: number): Promise<(string | null)[]> {
  const versions: (string | null)[] = new Array(keys.length);
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < keys.length; i = next++) versions[i] = await versionFor(url, keys[i], FLIGHT);
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return versions;
}

/** The gateway's count of requests whose flagged version was not warm, served by the serving version instead. */
async function fallbacks(url: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  return [...text.matchAll(/^aviary_version_flag_fallbacks_total\{[^}]*\} (\d+)/gm)].reduce(
    (n, m) => n + Number(m[1]),
    0,
  );
}

/**
 * Waits until the gateway routes 200 probe keys as the rollout flag at `weight` does when evaluated here, so a pass
 * never straddles a flag change that is still on its way (the flags service, KV, the gateway's watch).
 */
async function gatewayAt(url: string, weight: number): Promise<void> {
  const flag = { stable: '1', canary: '2', weight, match: [] };
  const set = FlagSet.parse(rolloutFlagDocument(new Map([[MODEL, flag]])));
  const probes = Array.from({ length: 200 }, (_, i) => `probe-${i}`);
  const expected = probes.map((targetingKey) => {
    const route = routeModel(set, MODEL, { targetingKey });
    return route.kind === 'version' ? route.version : '1';
  });
  const deadline = Date.now() + 30_000;
  for (;;) {
    const seen = await versionsOf(url, probes, 8);
    if (seen.every((v, i) => v === expected[i])) return;
    if (Date.now() > deadline) throw new Error(`the gateway did not route at ${weight} % within 30 s`);
    await pause(200);
  }
}

async function stickiness(stack: Stack, admin: Admin, keyCount: number, concurrency: number): Promise<string[]> {
  const url = stack.gateway.httpUrl;
  const keys = Array.from({ length: keyCount }, (_, i) => `user-${i}`);
  const steps = WEIGHTS.flatMap((weight) => [{ setWeight: weight }, { pause: {} }]);
  await admin.apply({ model: MODEL, candidate: '2', strategy: { canary: { steps } } });
  const lines: string[] = [];
  let previous: (string | null)[] | undefined;
  for (const [i, weight] of WEIGHTS.entries()) {
    if (i > 0) await admin.command('promote');
    await admin.until(`weight ${weight}`, (s) => s.phase === 'Paused' && s.weight === weight);
    await gatewayAt(url, weight);
    progress(`stickiness: ${keyCount} keys twice at ${weight} %`);
    const fallbacksBefore = await fallbacks(url);
    const first = await versionsOf(url, keys, concurrency);
    const again = await versionsOf(url, keys, concurrency);
    const fellBack = (await fallbacks(url)) - fallbacksBefore;
    const flipped = first.filter((v, k) => v !== again[k]).length;
    const failed = first.filter((v) => v === null).length;
    const onCanary = first.filter((v) => v === '2').length;
    let moves = '';
    if (previous) {
      const before = previous;
      const up = first.filter((v, k) => before[k] === '1' && v === '2').length;
      const down = first.filter((v, k) => before[k] === '2' && v === '1').length;
      moves = `; from ${WEIGHTS[i - 1]} %: ${up} moved stable→canary, ${down} canary→stable`;
    }
    lines.push(
      `weight ${weight} %: ${onCanary} of ${keyCount} keys on the canary (${((100 * onCanary) / keyCount).toFixed(1)} %), ` +
        `${flipped} changed version between repeats, ${failed} failed, ${fellBack} served by stable as the canary ` +
        `looked cold to the gateway${moves}`,
    );
    previous = first;
  }
  await admin.command('abort');
  return lines;
}

function serve(stack: Stack, version: string): void {
  const served = stack.cli(['models', 'serve', MODEL, version]);
  if (served.code !== 0) throw new Error(`models serve ${version} failed: ${served.stderr}`);
}

/** Throughput with no rollout, a 50/50 canary, and a 50/50 canary mirroring 10 % to the candidate, per round. */
async function cost(stack: Stack, admin: Admin, rounds: number, durationMs: number, concurrency: number) {
  const target = jsonPost({
    url: new URL(`${stack.gateway.httpUrl}/v1/models/${MODEL}/predict`),
    body: { instances: [FLIGHT] },
    timeoutMs: 5000,
  });
  const canary = (shadow: boolean) => ({
    model: MODEL,
    candidate: '2',
    strategy: { canary: { steps: [{ setWeight: 50 }, { pause: {} }], ...(shadow && { shadow: { percent: 10 } }) } },
  });
  const conditions = {
    none: async () => {
      const { status } = await admin.rollout();
      if (status.phase === 'Progressing' || status.phase === 'Paused') await admin.command('abort');
      await pause(FLAG_SETTLE_MS);
    },
    canary: async () => {
      await conditions.none();
      await admin.apply(canary(false));
      await admin.until('the 50/50 canary', (s) => s.phase === 'Paused' && s.weight === 50);
    },
    shadow: async () => {
      await conditions.none();
      await admin.apply(canary(true));
      await admin.until('the 50/50 canary with shadow', (s) => s.phase === 'Paused' && s.weight === 50);
    },
    /** Context, not a target: v2 alone, to tell the candidate's own cost from the rollout's. */
    candidate: async () => {
      await conditions.none();
      serve(stack, '2');
      await pause(FLAG_SETTLE_MS);
    },
  };
  const results: Record<keyof typeof conditions, ClosedLoopResult[]> = {
    none: [],
    canary: [],
    shadow: [],
    candidate: [],
  };
  try {
    await runClosedLoop({ concurrency: 4, durationMs: 2000, send: target.send });
    const order = Object.keys(conditions) as (keyof typeof conditions)[];
    for (let r = 0; r < rounds; r++) {
      // Each round starts with another condition, so drifting load on the shared machine hits all of them.
      for (const name of [...order.slice(r % order.length), ...order.slice(0, r % order.length)]) {
        await conditions[name]();
        progress(`cost round ${r + 1}/${rounds}: ${name}, ${concurrency} in flight for ${durationMs / 1000} s`);
        results[name].push(await runClosedLoop({ concurrency, durationMs, send: target.send, maxRequests: 2_000_000 }));
        if (name === 'candidate') serve(stack, '1');
      }
    }
    await conditions.none();
  } finally {
    target.close();
  }
  return results;
}

/**
 * One round: a canary of v3 (fails every LONG_FLIGHT) at 50 % with a background error-rate analysis every 1 s,
 * requests with distinct keys 8 at a time from before the apply until all traffic is back on stable; answers the
 * seconds from the first failing (or canary) response to the last, seen at the client.
 */
async function reactionRound(stack: Stack, admin: Admin, round: number): Promise<{ seconds: number; bad: number }> {
  const url = stack.gateway.httpUrl;
  const document = {
    model: MODEL,
    candidate: '3',
    strategy: {
      canary: {
        steps: [{ setWeight: 50 }, { pause: {} }],
        analysis: {
          metrics: [{ name: 'error-rate', provider: 'builtin', interval: '1s', failureCondition: 'result > 0.1' }],
        },
      },
    },
  };
  let firstBad: number | undefined;
  let lastBad: number | undefined;
  let bad = 0;
  let degradedAt: number | undefined;
  let sent = 0;
  let stop = false;
  const client = async () => {
    while (!stop) {
      const version = await versionFor(url, `reaction-${round}-${sent++}`, LONG_FLIGHT);
      const now = performance.now();
      if (version !== '1') {
        bad++;
        firstBad ??= now;
        lastBad = now;
      }
    }
  };
  const clients = Array.from({ length: 8 }, client);
  if (round === 0) await admin.apply(document);
  else await admin.command('retry');
  const deadline = Date.now() + 30_000;
  while (degradedAt === undefined && Date.now() < deadline) {
    if ((await admin.rollout()).status.phase === 'Degraded') degradedAt = performance.now();
    else await pause(50);
  }
  // Keep sending after the abort: a response off stable this late would still count.
  await pause(2000);
  stop = true;
  await Promise.all(clients);
  if (degradedAt === undefined || firstBad === undefined || lastBad === undefined)
    throw new Error(`reaction round ${round + 1}: the canary was not aborted (${bad} bad responses)`);
  return { seconds: (lastBad - firstBad) / 1000, bad };
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      rounds: { type: 'string', default: '3' },
      'reaction-rounds': { type: 'string', default: '5' },
      keys: { type: 'string', default: '10000' },
      duration: { type: 'string', default: '5' },
      concurrency: { type: 'string', default: '32' },
    },
  });
  const rounds = Number(values.rounds);
  const reactionRounds = Number(values['reaction-rounds']);
  const keys = Number(values.keys);
  const durationMs = Number(values.duration) * 1000;
  const concurrency = Number(values.concurrency);
  if (![rounds, reactionRounds, keys, concurrency].every((n) => Number.isInteger(n) && n > 0) || !(durationMs > 0))
    throw new Error('--rounds, --reaction-rounds, --keys and --concurrency must be positive integers, --duration > 0');

  progress('starting nats-server and the services (npm run build must have run)');
  const stack = await startStack({
    services: ['inference', 'preprocessor', 'flags', 'rollout-controller', 'gateway'],
    env: { LOG_LEVEL: 'error' },
  });
  const dir = mkdtempSync(join(tmpdir(), 'aviary-rollout-bench-'));
  const admin = new Admin(stack.gateway.httpUrl);
  try {
    await stack.waitForModel(MODEL, '1');
    await stack.waitForModel(MODEL, '2');
    serve(stack, '1');
    await pause(FLAG_SETTLE_MS);

    const sticky = await stickiness(stack, admin, keys, concurrency);
    const throughput = await cost(stack, admin, rounds, durationMs, concurrency);

    progress('pushing a faulty version 3 (v2 failing on long flights)');
    await pushFaultyFlightDelay(stack, dir, '3');
    const reactions: { seconds: number; bad: number }[] = [];
    for (let r = 0; r < reactionRounds; r++) {
      progress(`reaction round ${r + 1}/${reactionRounds}`);
      reactions.push(await reactionRound(stack, admin, r));
    }

    console.log(`Rollout bench (${MODEL}, stable 1), through the real gateway and rollout controller`);
    const reaction = spread(reactions.map((r) => r.seconds));
    console.log(
      `(a) reaction time, first failing response to 100 % on stable (1 s analysis interval, 50 % canary of a version ` +
        `failing every request): ${range(reaction, 2, ' s')} over ${reactionRounds} rounds; ` +
        `target ≤ ${REACTION_TARGET_S} s: ${reaction && reaction.median <= REACTION_TARGET_S ? 'met' : 'NOT met'}`,
    );
    console.log(`    failing or canary responses per round: ${reactions.map((r) => r.bad).join(', ')}`);
    console.log(`(b) stickiness, ${keys} targeting keys, each sent twice per weight:`);
    for (const line of sticky) console.log(`    ${line}`);
    const tput = (name: keyof typeof throughput) => throughput[name].map((r) => r.throughput);
    const ratio = (name: 'canary' | 'shadow') =>
      spread(perRoundRatios(tput(name), tput('none')).filter((x): x is number => x !== undefined));
    const errors = Object.values(throughput)
      .flat()
      .reduce((sum, r) => sum + r.errors, 0);
    console.log(
      `(c) cost, REST predict at ${concurrency} in flight, ${durationMs / 1000} s per condition, ${rounds} rounds:`,
    );
    console.log(`    no rollout: ${range(spread(tput('none')), 0, ' req/s')}`);
    for (const [name, label] of [
      ['canary', '50/50 canary'],
      ['shadow', '50/50 canary + 10 % shadow'],
    ] as const) {
      const r = ratio(name);
      console.log(
        `    ${label}: ${range(spread(tput(name)), 0, ' req/s')}; ratio to no rollout ${range(r, 3, '×')}; ` +
          `target ≥ ${COST_TARGET}×: ${r && r.median >= COST_TARGET ? 'met' : 'NOT met'}`,
      );
    }
    // If each version cost what it costs alone, a 50/50 split would run at the harmonic mean of the two.
    const mix = perRoundRatios(
      tput('candidate').map((c, i) => 2 / (1 / c + 1 / tput('none')[i])),
      tput('none'),
    ).filter((x): x is number => x !== undefined);
    console.log(
      `    context: v2 alone (serving, no rollout) ${range(spread(tput('candidate')), 0, ' req/s')}; a 50/50 mix at ` +
        `each version's own cost would be ${range(spread(mix), 3, '×')} of no rollout`,
    );
    if (errors > 0) console.log(`    ${errors} requests failed`);
    return errors === 0 ? 0 : 1;
  } finally {
    await stack.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

runBench('rollout', main);
