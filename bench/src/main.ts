// `npm run build && npm run bench`: latency at a fixed rate and peak throughput of the online paths (REST predict,
// REST OIP infer, gRPC ModelInfer) against a peer (the one-process server a user could write instead) and an
// in-process baseline, over several rounds, checked against the issue's targets on the medians.
// Usage: node dist/bench/src/main.js [--rounds N] [--duration S] [--concurrency N] [--rate RPS]
//        [--url URL [--grpc HOST:PORT]] [--json]
//        [--cpu-prof DIR]  (services write V8 CPU profiles to DIR on exit; node dist/bench/src/profile-summary.js DIR)
import { Stack, startStack, waitFor, workspaceRoot } from '@aviary/testing';
import { join, resolve as resolvePath } from 'node:path';
import { parseArgs } from 'node:util';
import { featuresOf, loadBundle, runBaseline } from './baseline';
import { cpuProfileEnv } from './cpu-profile-preload';
import { grpcInfer, GrpcInferTarget } from './grpc-client';
import { fetchJson, jsonPost, JsonPostTarget, loopbackUrl } from './http-client';
import { runClosedLoop, runOpenLoop, Send } from './load';
import { preciseClock } from './precise-clock';
import { Peer, startPeer } from './peer';
import {
  BenchResults,
  checkTargets,
  failedScenarios,
  formatReport,
  FULL_PATH,
  PEER_PATH,
  PeakScenario,
  Round,
  summarize,
  thisMachine,
} from './report';
import { ObservedProcess, processRssKiB, ScenarioUsage, UsageProbe } from './usage';
import { runBench } from './run-bench';

const MODEL = 'flight-delay';
const RECORD = { date: '2001/01/14 17:05', distance: 1009, origin: 'SEA', destination: 'SFO' };
const REQUEST_TIMEOUT_MS = 5000;
const WARM_UP_MS = 2000;
/** Bounds every closed loop whatever the duration, so a very fast path cannot exhaust memory. */
const MAX_REQUESTS = 2_000_000;

interface BenchOptions {
  rounds: number;
  durationMs: number;
  concurrency: number;
  rate: number;
  url?: string;
  grpc?: string;
  /** Services started by the bench write V8 CPU profiles here (summarise with profile-summary.js). */
  cpuProfDir?: string;
  json: boolean;
}

function parseOptions(args: string[]): BenchOptions {
  const { values } = parseArgs({
    args,
    options: {
      rounds: { type: 'string', default: '3' },
      duration: { type: 'string', default: '10' },
      concurrency: { type: 'string', default: '64' },
      rate: { type: 'string', default: '500' },
      url: { type: 'string' },
      grpc: { type: 'string' },
      json: { type: 'boolean', default: false },
      'cpu-prof': { type: 'string' },
    },
  });
  const problems: string[] = [];
  const positive = (flag: string, raw: string, integer: boolean) => {
    const value = Number(raw);
    if (!(value > 0) || (integer && !Number.isInteger(value)))
      problems.push(`--${flag} must be a positive ${integer ? 'integer' : 'number'}, got "${raw}"`);
    return value;
  };
  const rounds = positive('rounds', values.rounds, true);
  const duration = positive('duration', values.duration, false);
  const concurrency = positive('concurrency', values.concurrency, true);
  const rate = positive('rate', values.rate, false);
  if (values['cpu-prof'] && values.url) problems.push('--cpu-prof only profiles a stack the bench starts, not --url');
  if (values.grpc && !values.url)
    problems.push('--grpc only goes with --url (a stack the bench starts has its own gRPC port)');
  if (values.grpc && !/^(127\.0\.0\.1|localhost|\[::1\]):\d+$/.test(values.grpc))
    problems.push(`--grpc must be a loopback HOST:PORT, got "${values.grpc}"`);
  if (values.url) {
    try {
      loopbackUrl(values.url);
    } catch (e) {
      problems.push((e as Error).message);
    }
  }
  if (problems.length) throw new Error(`bad options:\n  ${problems.join('\n  ')}`);
  const cpuProfDir = values['cpu-prof'] === undefined ? undefined : resolvePath(values['cpu-prof']);
  return {
    rounds,
    durationMs: duration * 1000,
    concurrency,
    rate,
    url: values.url,
    grpc: values.grpc,
    cpuProfDir,
    json: values.json,
  };
}

const progress = (message: string) => process.stderr.write(`[bench] ${message}\n`);
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Gateway {
  httpUrl: string;
  grpcAddress?: string;
  observed: ObservedProcess[];
  description: string;
}

async function gatewayFor(options: BenchOptions, started: (stack: Stack) => void): Promise<Gateway> {
  const self: ObservedProcess = { name: 'bench', pid: process.pid };
  if (options.url) {
    const httpUrl = loopbackUrl(options.url).origin;
    progress(`waiting for ${MODEL} on ${httpUrl}`);
    await waitFor(
      `${MODEL} to be ready on ${httpUrl}`,
      async () => (await fetch(`${httpUrl}/v2/models/${MODEL}/ready`)).ok,
      60_000,
    );
    return {
      httpUrl,
      grpcAddress: options.grpc,
      observed: [self, { name: 'gateway', metricsUrl: `${httpUrl}/metrics` }],
      description: `running gateway ${httpUrl}${options.grpc ? `, gRPC ${options.grpc}` : ''} (CPU of its processes not visible)`,
    };
  }
  progress('starting nats-server and every service (npm run build must have run)');
  const stack = await startStack(options.cpuProfDir ? { env: cpuProfileEnv(options.cpuProfDir) } : {});
  started(stack);
  await stack.waitForModel(MODEL);
  const observed: ObservedProcess[] = [
    self,
    ...stack.processes.map((p) => ({ name: p.name, pid: p.child.pid, metricsUrl: `${p.httpUrl}/metrics` })),
  ];
  if (stack.nats) observed.push({ name: 'nats-server', pid: stack.nats.process.child.pid });
  return {
    httpUrl: stack.gateway.httpUrl,
    grpcAddress: stack.gateway.grpcAddress,
    observed,
    description: `stack started by the bench: nats-server + ${stack.processes.length} services, gateway ${stack.gateway.httpUrl}, gRPC ${stack.gateway.grpcAddress}`,
  };
}

interface PredictAnswer {
  version: string;
  predictions: { label: string }[];
}

interface BenchPath {
  name: string;
  send?: Send;
  skipped?: string;
}

interface ModelMetadata {
  versions?: string[];
  inputs: { name: string; datatype: string; shape: number[] }[];
}

async function main(): Promise<number> {
  const options = parseOptions(process.argv.slice(2));
  let stack: Stack | undefined;
  let peer: Peer | undefined;
  let grpcTarget: GrpcInferTarget | undefined;
  const targets: JsonPostTarget[] = [];
  const post = (url: URL, body: unknown) => {
    const target = jsonPost({ url, body, timeoutMs: REQUEST_TIMEOUT_MS });
    targets.push(target);
    return target.send;
  };
  const stopStarted = async () => {
    await peer?.process.stop();
    await stack?.stop();
  };
  const interrupt = () => {
    progress('interrupted; stopping what the bench started');
    void stopStarted().finally(() => process.exit(130));
  };
  process.once('SIGINT', interrupt);
  process.once('SIGTERM', interrupt);

  try {
    const gateway = await gatewayFor(options, (s) => (stack = s));
    const { httpUrl } = gateway;

    // What the gateway serves, checked once with parsed answers before any load.
    const metadata = await fetchJson<ModelMetadata>(`${httpUrl}/v2/models/${MODEL}`);
    const input = metadata.inputs[0];
    const width = input.shape[1];
    const predicted = await fetchJson<PredictAnswer>(`${httpUrl}/v1/models/${MODEL}/predict`, { instances: [RECORD] });
    if (!predicted.predictions?.[0]?.label)
      throw new Error(`predict answered without a prediction: ${JSON.stringify(predicted)}`);
    const modelsDir = join(workspaceRoot(), 'models');
    const bundle = await loadBundle({ modelsDir, model: MODEL, version: predicted.version });
    const features = featuresOf(bundle, RECORD);
    if (features.length !== width) {
      throw new Error(
        `${bundle.dir} makes ${features.length} features, the gateway's ${MODEL} takes [1, ${width}]: not the bundle it serves`,
      );
    }
    const inferBody = {
      inputs: [{ name: input.name, datatype: 'FP32', shape: [1, width], data: Array.from(features) }],
    };
    const inferred = await fetchJson<{ outputs: unknown[] }>(`${httpUrl}/v2/models/${MODEL}/infer`, inferBody);
    if (!inferred.outputs?.length) throw new Error(`infer answered without outputs: ${JSON.stringify(inferred)}`);
    if (gateway.grpcAddress) {
      grpcTarget = grpcInfer({
        address: gateway.grpcAddress,
        model: MODEL,
        input: input.name,
        features,
        timeoutMs: REQUEST_TIMEOUT_MS,
      });
      const answer = await grpcTarget.inferOnce();
      if (!answer.outputs?.length)
        throw new Error(`gRPC ModelInfer answered without outputs: ${JSON.stringify(answer)}`);
    }

    progress(`starting the peer on ${bundle.dir}`);
    peer = await startPeer({ modelsDir, model: MODEL, version: predicted.version });
    const peerPredictUrl = new URL(`${peer.httpUrl}/v1/models/${MODEL}/predict`);
    const peerAnswer = await fetchJson<PredictAnswer>(peerPredictUrl.href, { instances: [RECORD] });
    if (JSON.stringify(peerAnswer.predictions) !== JSON.stringify(predicted.predictions)) {
      throw new Error(
        `the peer and Aviary disagree on the same record: ${JSON.stringify(peerAnswer.predictions)} vs ${JSON.stringify(predicted.predictions)}`,
      );
    }
    const observed: ObservedProcess[] = [...gateway.observed, { name: 'peer', pid: peer.process.child.pid }];

    const predictUrl = new URL(`${httpUrl}/v1/models/${MODEL}/predict`);
    const inferUrl = new URL(`${httpUrl}/v2/models/${MODEL}/infer`);
    const aviaryPredict: BenchPath = { name: FULL_PATH, send: post(predictUrl, { instances: [RECORD] }) };
    const peerPredict: BenchPath = { name: PEER_PATH, send: post(peerPredictUrl, { instances: [RECORD] }) };
    const informational: BenchPath[] = [
      { name: 'REST OIP infer', send: post(inferUrl, inferBody) },
      grpcTarget
        ? { name: 'gRPC ModelInfer', send: grpcTarget.send }
        : { name: 'gRPC ModelInfer', skipped: 'pass --grpc HOST:PORT with --url' },
    ];
    const paths = [aviaryPredict, peerPredict, ...informational];
    const fixedRatePredict = post(predictUrl, { instances: [RECORD] });

    const warmUpMs = Math.min(WARM_UP_MS, options.durationMs);
    for (const path of paths) {
      if (!path.send) continue;
      progress(`warming up ${path.name} (${warmUpMs} ms)`);
      await runClosedLoop({
        concurrency: Math.min(4, options.concurrency),
        durationMs: warmUpMs,
        send: path.send,
        maxRequests: MAX_REQUESTS,
      });
    }
    await pause(500);
    const idleMemory = observed.map((p) => ({ name: p.name, rssKiB: p.pid ? processRssKiB(p.pid) : undefined }));

    const probe = new UsageProbe(observed, MODEL);
    const measured = async <T>(what: string, run: () => Promise<T>): Promise<{ result: T; usage: ScenarioUsage }> => {
      await pause(500);
      progress(`${what} for ${options.durationMs / 1000} s`);
      const window = await probe.start();
      const result = await run();
      return { result, usage: await window.finish() };
    };
    const peak = async (path: BenchPath, round: string): Promise<PeakScenario> => {
      const send = path.send;
      if (!send) return { name: path.name, skipped: path.skipped };
      const run = await measured(`${round}: ${path.name} with ${options.concurrency} in flight`, () =>
        runClosedLoop({
          concurrency: options.concurrency,
          durationMs: options.durationMs,
          send,
          maxRequests: MAX_REQUESTS,
        }),
      );
      return { name: path.name, ...run };
    };

    // setTimeout would add its own ~0.5 ms of lateness to every scheduled send.
    const clock = preciseClock();
    const rounds: Round[] = [];
    for (let r = 0; r < options.rounds; r++) {
      const round = `round ${r + 1}/${options.rounds}`;
      // Aviary and its peer back to back, the first of them swapped each round, so drifting load on the shared
      // machine hits both; the baseline right after, for the per-round share of it.
      const pair = r % 2 === 0 ? [aviaryPredict, peerPredict] : [peerPredict, aviaryPredict];
      const byName = new Map<string, PeakScenario>();
      for (const path of pair) byName.set(path.name, await peak(path, round));
      const baseline = await measured(`${round}: in-process baseline`, () =>
        runBaseline({ bundle, record: RECORD, durationMs: options.durationMs, warmUpOps: 500 }),
      );
      for (const path of informational) byName.set(path.name, await peak(path, round));
      // Latency at a fixed rate last: in their first ~20 s the services run V8's memory-reducing full GCs (20-50 ms
      // each, measured with --trace-gc), a start-up cost that would otherwise land in the first round's p99.
      if (r === 0) await runOpenLoop({ rate: options.rate, durationMs: warmUpMs, send: fixedRatePredict, clock });
      const fixedRate = await measured(`${round}: REST predict at ${options.rate} req/s`, () =>
        runOpenLoop({
          rate: options.rate,
          durationMs: options.durationMs,
          send: fixedRatePredict,
          drainTimeoutMs: REQUEST_TIMEOUT_MS,
          clock,
        }),
      );
      rounds.push({
        peaks: paths.map((p) => byName.get(p.name) ?? { name: p.name, skipped: p.skipped }),
        baseline,
        fixedRate,
      });
    }
    await clock.close();

    const results: BenchResults = {
      machine: thisMachine(),
      target: gateway.description,
      peer: `one Fastify process (${peer.httpUrl}): the same feature spec and ONNX Runtime session settings, one request at a time`,
      model: `${MODEL} version ${predicted.version} (${bundle.dir}), input "${input.name}" FP32 [1, ${width}]`,
      settings: {
        rounds: options.rounds,
        durationSeconds: options.durationMs / 1000,
        concurrency: options.concurrency,
        rate: options.rate,
      },
      idleMemory,
      rounds,
    };
    console.log(formatReport(results));
    if (options.json) {
      const figures = summarize(results);
      console.log(JSON.stringify({ ...results, figures, targets: checkTargets(results, figures) }, null, 2));
    }
    const failed = failedScenarios(results);
    if (failed.length) {
      console.error(`\nbench failed: more than 1 % errors in ${failed.join('; ')}`);
      return 1;
    }
    return 0;
  } finally {
    grpcTarget?.close();
    for (const target of targets) target.close();
    if (stack || peer) progress('stopping the peer and the stack');
    await stopStarted();
  }
}

runBench('bench', main);
