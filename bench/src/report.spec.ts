import type { LatencySummary } from './histogram';
import type { ClosedLoopResult, OpenLoopResult } from './load';
import {
  BenchResults,
  checkTargets,
  failedScenarios,
  formatReport,
  FULL_PATH,
  PEER_PATH,
  Round,
  summarize,
} from './report';

const latency = (p50: number, p99: number): LatencySummary => ({
  count: 100,
  min: p50 / 2,
  mean: p50,
  p50,
  p90: p99 / 2,
  p99,
  max: p99 * 2,
});

const closed = (throughput: number, errors = 0): ClosedLoopResult => ({
  requests: throughput * 10,
  ok: throughput * 10 - errors,
  errors,
  errorSamples: errors ? [{ message: 'HTTP 503: busy', count: errors }] : [],
  throughput,
  elapsedMs: 10_000,
  latency: latency(5, 20),
});

const open = (p50: number, p99: number): OpenLoopResult => ({
  planned: 5000,
  sent: 5000,
  ok: 5000,
  errors: 0,
  errorSamples: [],
  achievedRate: 500,
  elapsedMs: 10_000,
  latency: latency(p50, p99),
  sendLag: latency(0.05, 0.2),
});

/** One round: Aviary's REST predict, the peer and the baseline at the given req/s, p50/p99 at the fixed rate. */
const round = (figures: { aviary: number; peer: number; baseline: number; p50?: number; p99?: number }): Round => ({
  peaks: [
    { name: FULL_PATH, result: closed(figures.aviary) },
    { name: PEER_PATH, result: closed(figures.peer) },
    { name: 'gRPC ModelInfer', skipped: 'pass --grpc HOST:PORT with --url' },
  ],
  baseline: { result: closed(figures.baseline) },
  fixedRate: { result: open(figures.p50 ?? 1.2, figures.p99 ?? 4) },
});

const resultsOf = (rounds: Round[]): BenchResults => ({
  machine: { cores: 2, cpuModel: 'test cpu', memoryGiB: 8, platform: 'linux x64', node: 'v20.0.0', date: '2026-12-02' },
  target: 'stack started by the bench',
  peer: 'one Fastify process',
  model: 'flight-delay version 2',
  settings: { durationSeconds: 10, concurrency: 64, rate: 500, rounds: rounds.length },
  idleMemory: [
    { name: 'gateway', rssKiB: 102_400 },
    { name: 'peer', rssKiB: 76_800 },
    { name: 'gateway (remote)', rssKiB: undefined },
  ],
  rounds,
});

const figure = (results: BenchResults, name: string) => summarize(results).find((f) => f.name === name)!;

describe('summarize', () => {
  const results = resultsOf([
    round({ aviary: 9000, peer: 7500, baseline: 30_000 }),
    round({ aviary: 6000, peer: 6000, baseline: 25_000 }),
    round({ aviary: 8400, peer: 6000, baseline: 28_000 }),
  ]);

  it('gives each peak its median and range over the rounds', () => {
    expect(figure(results, `${FULL_PATH} peak`).spread).toEqual({ median: 8400, min: 6000, max: 9000 });
  });

  it('compares Aviary with the peer round by round, not median with median', () => {
    const ratio = figure(results, `${FULL_PATH} / peer`);
    expect(ratio.perRound).toEqual([1.2, 1, 1.4]);
    expect(ratio.spread).toEqual({ median: 1.2, min: 1, max: 1.4 });
  });

  it('gives the share of the baseline in percent, per round', () => {
    expect(figure(results, `${FULL_PATH} / baseline`).perRound).toEqual([30, 24, 30]);
  });

  it('leaves a skipped scenario without a median', () => {
    const grpc = figure(results, 'gRPC ModelInfer peak');
    expect(grpc.perRound).toEqual([undefined, undefined, undefined]);
    expect(grpc.spread).toBeUndefined();
  });
});

describe('checkTargets', () => {
  const verdicts = (results: BenchResults) =>
    Object.fromEntries(checkTargets(results).map((c) => [c.target.split(' ').slice(0, 3).join(' '), c.pass]));

  it('passes on the medians even when one round misses', () => {
    const results = resultsOf([
      round({ aviary: 9000, peer: 7000, baseline: 28_000, p99: 25 }),
      round({ aviary: 5000, peer: 6000, baseline: 28_000, p99: 6 }),
      round({ aviary: 9100, peer: 7000, baseline: 28_000, p99: 7 }),
    ]);
    expect(verdicts(results)).toEqual({
      'predict p50 <=': true,
      'predict p99 <=': true,
      'REST predict peak': true,
      'REST predict (full': true,
    });
  });

  it('misses when Aviary is only as fast as the one-process peer', () => {
    const results = resultsOf([
      round({ aviary: 9000, peer: 9000, baseline: 28_000 }),
      round({ aviary: 9000, peer: 8000, baseline: 28_000 }),
      round({ aviary: 9000, peer: 9500, baseline: 28_000 }),
    ]);
    const overPeer = checkTargets(results).find((c) => c.target.includes('the peer'))!;
    expect(overPeer).toEqual({
      target: 'REST predict peak >= 1.2 x the peer',
      actual: '1.00 x (0.95 x - 1.13 x)',
      pass: false,
    });
  });

  it('misses the baseline share below 30 % and the p99 above 10 ms', () => {
    const results = resultsOf([round({ aviary: 8000, peer: 6000, baseline: 28_000, p99: 12 })]);
    const missed = checkTargets(results)
      .filter((c) => !c.pass)
      .map((c) => c.target);
    expect(missed).toEqual([
      'predict p99 <= 10 ms at 500 req/s',
      'REST predict (full path) peak >= 30 % of in-process baseline',
    ]);
  });
});

describe('failedScenarios', () => {
  it('names the round and the scenario with more than 1 % errors', () => {
    const bad = round({ aviary: 100, peer: 9000, baseline: 28_000 });
    bad.peaks[0] = { name: FULL_PATH, result: closed(100, 50) };
    const results = resultsOf([round({ aviary: 9000, peer: 7000, baseline: 28_000 }), bad]);
    expect(failedScenarios(results)).toEqual(['round 2 REST predict: 50 errors of 1000']);
  });
});

describe('formatReport', () => {
  const results = resultsOf([
    round({ aviary: 9000, peer: 7500, baseline: 30_000 }),
    round({ aviary: 6000, peer: 6000, baseline: 25_000 }),
    round({ aviary: 8400, peer: 6000, baseline: 28_000 }),
  ]);
  const report = formatReport(results);
  const line = (start: string) => report.split('\n').find((l) => l.trimStart().startsWith(start));

  it('prints each figure with its median, range and every round', () => {
    expect(
      line(`${FULL_PATH} peak`)
        ?.split(/\s{2,}/)
        .filter(Boolean),
    ).toEqual(['REST predict peak', '8400 req/s', '6000 req/s - 9000 req/s', '9000 req/s', '6000 req/s', '8400 req/s']);
    expect(line(`${FULL_PATH} / peer`)).toContain('1.20 x');
  });

  it('prints idle memory in MiB, with a dash where the process is not visible', () => {
    expect(line('gateway ')?.trim().split(/\s+/)).toEqual(['gateway', '100.0']);
    expect(line('gateway (remote)')?.trim()).toMatch(/-$/);
  });

  it('prints the targets with their medians and ranges', () => {
    expect(line('REST predict peak >= 1.2 x the peer')).toMatch(/1\.20 x \(1\.00 x - 1\.40 x\)\s+PASS$/);
  });
});
