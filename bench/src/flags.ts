// `npm run build && npm run bench:flags`: flag evaluation in process (beside raw flagd-core) and over OFREP on a
// running gateway (beside the OFREP peer, a server answering one fixed evaluation), over several rounds, checked
// against the targets on the medians.
// Usage: node dist/bench/src/flags.js [--rounds N] [--duration S] [--in-process S] [--concurrency N] [--rate RPS]
import { startStack, Stack, waitFor } from '@aviary/testing';
import type { EvaluationContext } from '@openfeature/core';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import {
  BENCH_FLAGS,
  benchContexts,
  checkEnginesAgree,
  ENGINES,
  EngineName,
  engines,
  Evaluate,
  FRACTIONAL_FLAG,
  measureInterleaved,
  STATIC_FLAG,
} from './flag-evaluation';
import {
  failedFlagScenarios,
  FixedRateScenario,
  FlagsBenchResults,
  FlagsRound,
  formatFlagsReport,
  InProcessRate,
  PREDICT_WITH_FLAG,
  PREDICT_WITHOUT_FLAG,
} from './flags-report';
import { jsonPost, JsonPostTarget } from './http-client';
import { runClosedLoop, runOpenLoop, Send } from './load';
import { OFREP_PEER_ANSWER } from './ofrep-peer';
import { Peer, startOfrepPeer } from './peer';
import { preciseClock } from './precise-clock';
import { PeakScenario, thisMachine } from './report';
import { runBench } from './run-bench';

const FLAG_SET = 'bench-flags';
const FLAG_SET_HEADER = 'Aviary-Flag-Set';
const MODEL = 'flight-delay';
const RECORD = { date: '2001/01/14 17:05', distance: 1009, origin: 'SEA', destination: 'SFO' };
/** The set the gateway reads model flags from (AVIARY_MODEL_FLAG_SET's default). */
const MODEL_FLAG_SET = 'default';
/** The context of every HTTP request: a standard user, so the fractional flag runs its split. */
const HTTP_CONTEXT = { targetingKey: 'user-42', tier: 'standard' };
const CONTEXTS = 10_000;
const REQUEST_TIMEOUT_MS = 5000;
const WARM_UP_MS = 2000;
const MAX_REQUESTS = 2_000_000;
const IN_PROCESS_SLICE_MS = 50;

interface FlagsBenchOptions {
  rounds: number;
  durationMs: number;
  inProcessMs: number;
  concurrency: number;
  rate: number;
}

function parseOptions(args: string[]): FlagsBenchOptions {
  const { values } = parseArgs({
    args,
    options: {
      rounds: { type: 'string', default: '3' },
      duration: { type: 'string', default: '5' },
      'in-process': { type: 'string', default: '6' },
      concurrency: { type: 'string', default: '64' },
      rate: { type: 'string', default: '5000' },
    },
  });
  const problems: string[] = [];
  const positive = (flag: string, raw: string, integer: boolean) => {
    const value = Number(raw);
    if (!(value > 0) || (integer && !Number.isInteger(value)))
      problems.push(`--${flag} must be a positive ${integer ? 'integer' : 'number'}, got "${raw}"`);
    return value;
  };
  const options = {
    rounds: positive('rounds', values.rounds, true),
    durationMs: positive('duration', values.duration, false) * 1000,
    inProcessMs: positive('in-process', values['in-process'], false) * 1000,
    concurrency: positive('concurrency', values.concurrency, true),
    rate: positive('rate', values.rate, false),
  };
  if (problems.length) throw new Error(`bad options:\n  ${problems.join('\n  ')}`);
  return options;
}

const progress = (message: string) => process.stderr.write(`[bench:flags] ${message}\n`);

/** Stores a flag set with the CLI: the one place the bench names the command. */
function applyFlagSet(stack: Stack, file: string, set: string): void {
  const applied = stack.cli(['flags', 'apply', '-f', file, '--set', set]);
  if (applied.code !== 0) throw new Error(`the CLI refused the bench's flag set:\n${applied.stdout}${applied.stderr}`);
}

/** REST predict through `model.<name>` against the same predict without a version flag, on one stack. */
interface VersionFlagBench {
  /** Both scenarios once, in the given order; the flag is applied for one and removed for the other. */
  round(withFlagFirst: boolean): Promise<PeakScenario[]>;
}

/**
 * The version flag both arms of which name the serving version, split 50/50 by targeting key: every request pays the
 * flag's evaluation and routing, and both scenarios run the same model version.
 */
async function versionFlagBench(options: {
  stack: Stack;
  model: string;
  dir: string;
  bench: FlagsBenchOptions;
  post: (url: URL, headers?: Record<string, string>, body?: unknown) => Send;
}): Promise<VersionFlagBench> {
  const { stack, model, dir } = options;
  await stack.waitForModel(model);
  const url = new URL(`${stack.gateway.httpUrl}/v1/models/${model}/predict`);
  const body = { instances: [RECORD], context: HTTP_CONTEXT };
  const predict = async () => {
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    if (!response.ok) throw new Error(`predict answered ${response.status}: ${await response.text()}`);
    return (await response.json()) as { version: string; variant?: string };
  };
  const version = (await predict()).version;
  const flag = {
    state: 'ENABLED',
    variants: { control: version, challenger: version },
    defaultVariant: 'control',
    targeting: {
      fractional: [
        ['control', 50],
        ['challenger', 50],
      ],
    },
  };
  const setFlag = async (on: boolean) => {
    const file = join(dir, `model-flags-${on ? 'on' : 'off'}.json`);
    writeFileSync(file, JSON.stringify({ flags: on ? { [`model.${model}`]: flag } : {} }));
    applyFlagSet(stack, file, MODEL_FLAG_SET);
    await waitFor(
      `the version flag to be ${on ? 'applied' : 'removed'}`,
      async () => ((await predict()).variant !== undefined) === on,
      10_000,
    );
  };
  const send = options.post(url, {}, body);
  const run = async (name: string) => {
    progress(`${name} with ${options.bench.concurrency} in flight for ${options.bench.durationMs / 1000} s`);
    await runClosedLoop({ concurrency: 4, durationMs: WARM_UP_MS, send, maxRequests: MAX_REQUESTS });
    const result = await runClosedLoop({
      concurrency: options.bench.concurrency,
      durationMs: options.bench.durationMs,
      send,
      maxRequests: MAX_REQUESTS,
    });
    return { name, result };
  };
  return {
    async round(withFlagFirst) {
      const results: PeakScenario[] = [];
      for (const on of withFlagFirst ? [true, false] : [false, true]) {
        await setFlag(on);
        results.push(await run(on ? PREDICT_WITH_FLAG : PREDICT_WITHOUT_FLAG));
      }
      return [PREDICT_WITH_FLAG, PREDICT_WITHOUT_FLAG].map(
        (name) => results.find((r) => r.name === name) ?? { name, skipped: 'not run' },
      );
    },
  };
}

/** The answer once, parsed, before any load: the figures are only worth something for the right answer. */
async function checkAnswer(url: URL, headers: Record<string, string>, expected: object): Promise<void> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ context: HTTP_CONTEXT }),
  });
  const answer = (await response.json()) as Record<string, unknown>;
  const wrong = Object.entries(expected).filter(([k, v]) => JSON.stringify(answer[k]) !== JSON.stringify(v));
  if (response.status !== 200 || wrong.length)
    throw new Error(
      `${url.href} answered ${response.status} ${JSON.stringify(answer)}, expected ${JSON.stringify(expected)}`,
    );
}

/** Both flags, the three engines interleaved in slices, so they share whatever load the machine has. */
function inProcessRound(options: {
  durationMs: number;
  all: Record<EngineName, Evaluate>;
  contexts: EvaluationContext[];
}): InProcessRate[] {
  return [
    [STATIC_FLAG, 'on'],
    [FRACTIONAL_FLAG, 'v1'],
  ].flatMap(([flag, firstVariant]) => {
    const rates = measureInterleaved({
      engines: options.all,
      key: flag,
      contexts: options.contexts,
      durationMs: options.durationMs,
      sliceMs: IN_PROCESS_SLICE_MS,
      firstVariant,
    });
    return ENGINES.map((engine) => ({ flag, engine, rate: rates[engine] }));
  });
}

async function main(): Promise<number> {
  const options = parseOptions(process.argv.slice(2));
  let stack: Stack | undefined;
  let peer: Peer | undefined;
  const dir = mkdtempSync(join(tmpdir(), 'aviary-bench-flags-'));
  const targets: JsonPostTarget[] = [];
  const post = (url: URL, headers: Record<string, string> = {}, body: unknown = { context: HTTP_CONTEXT }): Send => {
    const target = jsonPost({ url, body, timeoutMs: REQUEST_TIMEOUT_MS, headers });
    targets.push(target);
    return target.send;
  };
  const stopStarted = async () => {
    await peer?.process.stop();
    await stack?.stop();
    rmSync(dir, { recursive: true, force: true });
  };
  const interrupt = () => {
    progress('interrupted; stopping what the bench started');
    void stopStarted().finally(() => process.exit(130));
  };
  process.once('SIGINT', interrupt);
  process.once('SIGTERM', interrupt);

  try {
    progress('checking that flagd-core, FlagSet.resolve and evaluateOfrepFlag agree on every context');
    const all = engines();
    const contexts = benchContexts(CONTEXTS);
    for (const flag of [STATIC_FLAG, FRACTIONAL_FLAG]) checkEnginesAgree(all, flag, contexts);

    progress(
      'starting nats-server, inference, preprocessor and the gateway with the demo models (npm run build must have run)',
    );
    stack = await startStack({ services: ['inference', 'preprocessor', 'gateway'] });
    const gatewayUrl = stack.gateway.httpUrl;
    const file = join(dir, 'flags.json');
    writeFileSync(file, JSON.stringify(BENCH_FLAGS));
    applyFlagSet(stack, file, FLAG_SET);
    const headers = { [FLAG_SET_HEADER]: FLAG_SET };
    const flagUrl = (base: string, key: string) => new URL(`${base}/ofrep/v1/evaluate/flags/${key}`);
    await waitFor(
      `flag set ${FLAG_SET} to reach the gateway`,
      async () =>
        (
          await fetch(flagUrl(gatewayUrl, STATIC_FLAG), {
            method: 'POST',
            headers: { 'content-type': 'application/json', ...headers },
            body: '{}',
          }).catch(() => undefined)
        )?.status === 200,
      10_000,
    );
    const expectedFractional = all.evaluateOfrepFlag(FRACTIONAL_FLAG, HTTP_CONTEXT);
    await checkAnswer(flagUrl(gatewayUrl, STATIC_FLAG), headers, { value: true, variant: 'on', reason: 'STATIC' });
    await checkAnswer(flagUrl(gatewayUrl, FRACTIONAL_FLAG), headers, { variant: expectedFractional });

    progress('starting the OFREP peer');
    peer = await startOfrepPeer();
    await checkAnswer(flagUrl(peer.httpUrl, STATIC_FLAG), {}, { key: STATIC_FLAG, ...OFREP_PEER_ANSWER });

    const gatewayStatic = {
      name: `OFREP ${STATIC_FLAG} (gateway)`,
      send: post(flagUrl(gatewayUrl, STATIC_FLAG), headers),
    };
    const gatewayFractional = {
      name: `OFREP ${FRACTIONAL_FLAG} (gateway)`,
      send: post(flagUrl(gatewayUrl, FRACTIONAL_FLAG), headers),
    };
    const peerStatic = { name: 'OFREP peer', send: post(flagUrl(peer.httpUrl, STATIC_FLAG)) };
    const peaks = [gatewayStatic, gatewayFractional, peerStatic];
    const fixed = [
      { name: gatewayFractional.name, send: post(flagUrl(gatewayUrl, FRACTIONAL_FLAG), headers) },
      { name: peerStatic.name, send: post(flagUrl(peer.httpUrl, STATIC_FLAG)) },
    ];
    for (const path of peaks) {
      progress(`warming up ${path.name} (${WARM_UP_MS} ms)`);
      await runClosedLoop({ concurrency: 4, durationMs: WARM_UP_MS, send: path.send, maxRequests: MAX_REQUESTS });
    }

    const versionFlag = await versionFlagBench({ stack, model: MODEL, dir, bench: options, post });
    const clock = preciseClock();
    const rounds: FlagsRound[] = [];
    for (let r = 0; r < options.rounds; r++) {
      const round = `round ${r + 1}/${options.rounds}`;
      progress(`${round}: in process, ${options.inProcessMs / 1000} s per flag, the engines interleaved`);
      const inProcess = inProcessRound({ durationMs: options.inProcessMs, all, contexts });
      // Indexed as `peaks`, whatever order they ran in.
      const peakResults: PeakScenario[] = peaks.map((p) => ({ name: p.name }));
      for (const i of peaks.map((_, j) => (j + r) % peaks.length)) {
        const path = peaks[i];
        progress(`${round}: ${path.name} with ${options.concurrency} in flight for ${options.durationMs / 1000} s`);
        const result = await runClosedLoop({
          concurrency: options.concurrency,
          durationMs: options.durationMs,
          send: path.send,
          maxRequests: MAX_REQUESTS,
        });
        peakResults[i] = { name: path.name, result };
      }
      // The first open loop of the run pays the services' start-up GCs: it is thrown away (as in the predict bench).
      if (r === 0) await runOpenLoop({ rate: options.rate, durationMs: WARM_UP_MS, send: fixed[0].send, clock });
      const fixedRate: FixedRateScenario[] = [];
      for (const i of r % 2 === 0 ? [0, 1] : [1, 0]) {
        const path = fixed[i];
        progress(`${round}: ${path.name} at ${options.rate} req/s for ${options.durationMs / 1000} s`);
        const result = await runOpenLoop({
          rate: options.rate,
          durationMs: options.durationMs,
          send: path.send,
          drainTimeoutMs: REQUEST_TIMEOUT_MS,
          clock,
        });
        fixedRate[i] = { name: path.name, result };
      }
      const versionFlagResults = await versionFlag.round(r % 2 === 0);
      rounds.push({ inProcess, peaks: peakResults, fixedRate, versionFlag: versionFlagResults });
    }
    await clock.close();

    const results: FlagsBenchResults = {
      machine: thisMachine(),
      target: `stack started by the bench: nats-server + inference, preprocessor, gateway ${gatewayUrl} with the demo models; flag sets "${FLAG_SET}" and "${MODEL_FLAG_SET}" (model flags) stored with the CLI`,
      peer: `one Fastify process (${peer.httpUrl}) answering ${JSON.stringify(OFREP_PEER_ANSWER)} to any flag`,
      settings: {
        rounds: options.rounds,
        durationSeconds: options.durationMs / 1000,
        inProcessSeconds: options.inProcessMs / 1000,
        concurrency: options.concurrency,
        rate: options.rate,
      },
      names: {
        gatewayPeaks: [gatewayStatic.name, gatewayFractional.name],
        peerPeak: peerStatic.name,
        gatewayFixedRate: gatewayFractional.name,
      },
      rounds,
    };
    console.log(formatFlagsReport(results));
    const failed = failedFlagScenarios(results);
    if (failed.length) {
      console.error(`\nbench failed: more than 1 % errors in ${failed.join('; ')}`);
      return 1;
    }
    return 0;
  } finally {
    for (const target of targets) target.close();
    progress('stopping the peer and the stack');
    await stopStarted();
  }
}

runBench('bench', main);
