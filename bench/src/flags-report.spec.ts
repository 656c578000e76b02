import type { LatencySummary } from './histogram';
import type { ClosedLoopResult, OpenLoopResult } from './load';
import {
  checkFlagTargets,
  failedFlagScenarios,
  FlagsBenchResults,
  FlagsRound,
  formatFlagsReport,
  PREDICT_WITH_FLAG,
  PREDICT_WITHOUT_FLAG,
  summarizeFlags,
} from './flags-report';

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
  requests: throughput * 5,
  ok: throughput * 5 - errors,
  errors,
  errorSamples: errors ? [{ message: 'HTTP 400: bad', count: errors }] : [],
  throughput,
  elapsedMs: 5000,
  latency: latency(2, 8),
});

const open = (achievedRate: number, p99: number): OpenLoopResult => ({
  planned: 25_000,
  sent: 25_000,
  ok: 25_000,
  errors: 0,
  errorSamples: [],
  achievedRate,
  elapsedMs: 5000,
  latency: latency(0.5, p99),
  sendLag: latency(0.05, 0.2),
});

const evaluations = (perSecond: number) => ({ evaluations: perSecond, perSecond, firstVariant: 1 });

const round = (f: { core: number; aviary: number; gateway: number; peer: number; achieved: number; p99: number }) =>
  ({
    inProcess: [
      { flag: 'static-flag', engine: 'flagd-core', rate: evaluations(f.core) },
      { flag: 'static-flag', engine: 'FlagSet.resolve', rate: evaluations(f.aviary) },
    ],
    peaks: [
      { name: 'gateway', result: closed(f.gateway) },
      { name: 'peer', result: closed(f.peer) },
    ],
    fixedRate: [{ name: 'gateway', result: open(f.achieved, f.p99) }],
    versionFlag: [
      { name: PREDICT_WITH_FLAG, skipped: 'not yet' },
      { name: PREDICT_WITHOUT_FLAG, skipped: 'not yet' },
    ],
  }) satisfies FlagsRound;

const resultsOf = (rounds: FlagsRound[]): FlagsBenchResults => ({
  machine: { cores: 2, cpuModel: 'test cpu', memoryGiB: 8, platform: 'linux x64', node: 'v20.0.0', date: '2026-12-02' },
  target: 'stack',
  peer: 'peer',
  settings: { rounds: rounds.length, durationSeconds: 5, inProcessSeconds: 2, concurrency: 64, rate: 5000 },
  names: { gatewayPeaks: ['gateway'], peerPeak: 'peer', gatewayFixedRate: 'gateway' },
  rounds,
});

const good = { core: 1000, aviary: 900, gateway: 8000, peer: 10_000, achieved: 5000, p99: 2 };

describe('the flags bench report', () => {
  it('takes the median of the per-round ratios to flagd-core and to the peer', () => {
    const results = resultsOf([
      round({ ...good, aviary: 700 }),
      round({ ...good, aviary: 900 }),
      round({ ...good, core: 2000, aviary: 1800, gateway: 5000 }),
    ]);
    const figures = summarizeFlags(results);
    expect(figures.find((f) => f.name === 'static-flag: FlagSet.resolve / flagd-core')?.spread).toEqual({
      median: 0.9,
      min: 0.7,
      max: 0.9,
    });
    expect(figures.find((f) => f.name === 'gateway / peer')?.spread).toEqual({ median: 0.8, min: 0.5, max: 0.8 });
  });

  it('passes every target the figures meet and misses the ones they do not', () => {
    const pass = checkFlagTargets(resultsOf([round(good)]));
    expect(pass.map((c) => c.pass)).toEqual([true, true, true, true]);
    const miss = checkFlagTargets(resultsOf([round({ ...good, aviary: 500, gateway: 4000, achieved: 3000, p99: 9 })]));
    expect(miss.map((c) => [c.target, c.pass])).toEqual([
      ['static-flag: FlagSet.resolve / flagd-core >= 0.8 x', false],
      ['gateway peak >= 5000 req/s', false],
      ['gateway keeps up with 5000 req/s (>= 99 %)', false],
      ['gateway p99 <= 5 ms at 5000 req/s', false],
    ]);
  });

  it('leaves out the version-flag target while its scenarios are skipped, and says why they were', () => {
    const results = resultsOf([round(good)]);
    expect(checkFlagTargets(results).some((c) => c.target.includes('version flag'))).toBe(false);
    expect(formatFlagsReport(results)).toContain(`skipped ${PREDICT_WITH_FLAG}: not yet`);
  });

  it('checks predict through a version flag against the same predict without one when both ran', () => {
    const withFlag = (through: number, without: number) => ({
      ...round(good),
      versionFlag: [
        { name: PREDICT_WITH_FLAG, result: closed(through) },
        { name: PREDICT_WITHOUT_FLAG, result: closed(without) },
      ],
    });
    const check = (r: FlagsRound) => checkFlagTargets(resultsOf([r])).find((c) => c.target.includes('version flag'));
    expect(check(withFlag(950, 1000))).toMatchObject({ pass: true, actual: expect.stringContaining('0.95 x') });
    expect(check(withFlag(800, 1000))).toMatchObject({ pass: false });
  });

  it('fails a run whose scenarios had more than 1 % errors', () => {
    const bad = round(good);
    bad.peaks[0] = { name: 'gateway', result: closed(8000, 1000) };
    expect(failedFlagScenarios(resultsOf([round(good)]))).toEqual([]);
    expect(failedFlagScenarios(resultsOf([bad]))).toEqual(['round 1 gateway: 1000 errors of 40000']);
  });
});
