// The printed result of the flags bench: in-process evaluations/s beside raw flagd-core, OFREP requests/s and latency
// beside the OFREP peer, each as median and range over the rounds, and the targets on the medians.
import type { EngineName, EvaluationRate } from './flag-evaluation';
import type { ClosedLoopResult, OpenLoopResult } from './load';
import {
  Figure,
  figureOf,
  figuresTable,
  Machine,
  MAX_ERROR_RATIO,
  ms,
  PeakScenario,
  rate,
  spreadText,
  table,
  TargetCheck,
} from './report';
import { perRoundRatios } from './rounds';

export const FLAG_TARGETS = {
  shareOfFlagdCore: 0.8,
  ofrepPerSecond: 5000,
  ofrepP99Ms: 5,
  predictThroughVersionFlag: 0.9,
} as const;

export interface InProcessRate {
  flag: string;
  engine: EngineName;
  rate: EvaluationRate;
}

export interface FixedRateScenario {
  name: string;
  result: OpenLoopResult;
}

export interface FlagsRound {
  inProcess: InProcessRate[];
  /** Closed loops: the gateway's OFREP per flag and the OFREP peer. */
  peaks: PeakScenario[];
  /** Open loops at the fixed rate: the gateway's OFREP and the OFREP peer. */
  fixedRate: FixedRateScenario[];
  /** REST predict with and without a version flag (the `model.<name>` flag), or why it was skipped. */
  versionFlag: PeakScenario[];
}

export interface FlagsBenchResults {
  machine: Machine;
  target: string;
  peer: string;
  settings: { rounds: number; durationSeconds: number; inProcessSeconds: number; concurrency: number; rate: number };
  /** The scenario names the targets read. */
  names: { gatewayPeaks: string[]; peerPeak: string; gatewayFixedRate: string };
  rounds: FlagsRound[];
}

/** The version-flag pair in `FlagsRound.versionFlag`: the same predict, the version picked by a flag and without. */
export const PREDICT_WITH_FLAG = 'REST predict through a version flag';
export const PREDICT_WITHOUT_FLAG = 'REST predict without one';
const VERSION_FLAG_FIGURE = `${PREDICT_WITH_FLAG} / without`;

const BASELINE_ENGINE: EngineName = 'flagd-core';
const inProcessFigure = (flag: string, engine: EngineName) => `${flag}: ${engine}`;
const shareFigure = (flag: string, engine: EngineName) => `${flag}: ${engine} / ${BASELINE_ENGINE}`;
const peakFigure = (name: string) => `${name} peak`;
const overPeerFigure = (name: string, peer: string) => `${name} / ${peer}`;
const fixedFigure = (name: string, what: string, r: number) => `${name} ${what} at ${r} req/s`;

export function summarizeFlags(results: FlagsBenchResults): Figure[] {
  const { rounds, names } = results;
  const r = results.settings.rate;
  const inProcessOf = (flag: string, engine: EngineName) =>
    rounds.map((round) => round.inProcess.find((p) => p.flag === flag && p.engine === engine)?.rate.perSecond);
  const peakOf = (name: string) =>
    rounds.map((round) => [...round.peaks, ...round.versionFlag].find((p) => p.name === name)?.result?.throughput);
  const fixedOf = (name: string) => rounds.map((round) => round.fixedRate.find((f) => f.name === name)?.result);
  const pairs = unique(rounds.flatMap((round) => round.inProcess.map((p) => `${p.flag}\n${p.engine}`))).map((pair) => {
    const [flag, engine] = pair.split('\n');
    return { flag, engine: engine as EngineName };
  });
  const peakNames = unique(rounds.flatMap((round) => [...round.peaks, ...round.versionFlag].map((p) => p.name)));
  const fixedNames = unique(rounds.flatMap((round) => round.fixedRate.map((f) => f.name)));
  return [
    ...pairs.map(({ flag, engine }) => figureOf(inProcessFigure(flag, engine), 'ops/s', inProcessOf(flag, engine))),
    ...pairs
      .filter(({ engine }) => engine !== BASELINE_ENGINE)
      .map(({ flag, engine }) =>
        figureOf(
          shareFigure(flag, engine),
          'x',
          perRoundRatios(inProcessOf(flag, engine), inProcessOf(flag, BASELINE_ENGINE)),
        ),
      ),
    ...peakNames.map((name) => figureOf(peakFigure(name), 'req/s', peakOf(name))),
    ...names.gatewayPeaks.map((name) =>
      figureOf(overPeerFigure(name, names.peerPeak), 'x', perRoundRatios(peakOf(name), peakOf(names.peerPeak))),
    ),
    figureOf(VERSION_FLAG_FIGURE, 'x', perRoundRatios(peakOf(PREDICT_WITH_FLAG), peakOf(PREDICT_WITHOUT_FLAG))),
    ...fixedNames.flatMap((name) => [
      figureOf(
        fixedFigure(name, 'achieved', r),
        'req/s',
        fixedOf(name).map((f) => f?.achievedRate),
      ),
      figureOf(
        fixedFigure(name, 'p50', r),
        'ms',
        fixedOf(name).map((f) => f?.latency.p50),
      ),
      figureOf(
        fixedFigure(name, 'p99', r),
        'ms',
        fixedOf(name).map((f) => f?.latency.p99),
      ),
    ]),
  ];
}

export function checkFlagTargets(results: FlagsBenchResults, figures = summarizeFlags(results)): TargetCheck[] {
  const { names } = results;
  const r = results.settings.rate;
  const checks: TargetCheck[] = [];
  const check = (name: string, target: string, pass: (median: number) => boolean) => {
    const figure = figures.find((f) => f.name === name);
    if (figure?.spread) checks.push({ target, actual: spreadText(figure), pass: pass(figure.spread.median) });
  };
  for (const figure of figures.filter((f) => f.name.endsWith(` / ${BASELINE_ENGINE}`)))
    check(
      figure.name,
      `${figure.name} >= ${FLAG_TARGETS.shareOfFlagdCore} x`,
      (m) => m >= FLAG_TARGETS.shareOfFlagdCore,
    );
  for (const name of names.gatewayPeaks)
    check(
      peakFigure(name),
      `${peakFigure(name)} >= ${FLAG_TARGETS.ofrepPerSecond} req/s`,
      (m) => m >= FLAG_TARGETS.ofrepPerSecond,
    );
  // The open loop offers the rate; "achieved" is what came back, so a server that falls behind cannot pass.
  check(
    fixedFigure(names.gatewayFixedRate, 'achieved', r),
    `${names.gatewayFixedRate} keeps up with ${r} req/s (>= 99 %)`,
    (m) => m >= r * 0.99,
  );
  check(
    fixedFigure(names.gatewayFixedRate, 'p99', r),
    `${names.gatewayFixedRate} p99 <= ${FLAG_TARGETS.ofrepP99Ms} ms at ${r} req/s`,
    (m) => m <= FLAG_TARGETS.ofrepP99Ms,
  );
  check(
    VERSION_FLAG_FIGURE,
    `${VERSION_FLAG_FIGURE} >= ${FLAG_TARGETS.predictThroughVersionFlag} x`,
    (m) => m >= FLAG_TARGETS.predictThroughVersionFlag,
  );
  return checks;
}

/** Scenarios whose errors exceed MAX_ERROR_RATIO: their figures would mean nothing. */
export function failedFlagScenarios(results: FlagsBenchResults): string[] {
  const failed: string[] = [];
  results.rounds.forEach((round, i) => {
    for (const { name, result } of round.fixedRate)
      if (result.planned === 0 || result.errors / result.planned > MAX_ERROR_RATIO)
        failed.push(`round ${i + 1} ${name} at a fixed rate: ${result.errors} errors of ${result.planned}`);
    for (const { name, result } of [...round.peaks, ...round.versionFlag])
      if (result && (result.requests === 0 || result.errors / result.requests > MAX_ERROR_RATIO))
        failed.push(`round ${i + 1} ${name}: ${result.errors} errors of ${result.requests}`);
  });
  return failed;
}

export function formatFlagsReport(results: FlagsBenchResults): string {
  const { machine, settings, rounds } = results;
  const figures = summarizeFlags(results);
  const out: string[] = [];
  out.push(`Aviary flags bench, ${machine.date}`);
  out.push(
    `machine   ${machine.cores} cores (${machine.cpuModel}), ${machine.memoryGiB.toFixed(1)} GiB, ${machine.platform}, node ${machine.node}`,
  );
  out.push(`target    ${results.target}`);
  out.push(`peer      ${results.peer}`);
  out.push(
    `settings  ${settings.rounds} rounds; in process ${settings.inProcessSeconds} s per flag (the 3 engines interleaved in 50 ms slices); HTTP ${settings.durationSeconds} s per scenario, concurrency ${settings.concurrency}, fixed rate ${settings.rate} req/s, 127.0.0.1 only`,
  );
  out.push(`note      the load generator (this process) shares the CPU with nats-server, the services and the peer`);

  out.push(
    '',
    `a. Over ${rounds.length} rounds (in process: one core, a loop over varied contexts; HTTP peaks: closed loop)`,
  );
  out.push(figuresTable(figures, rounds.length));

  out.push('', `b. Each HTTP scenario in each round`);
  const rows: string[][] = [];
  rounds.forEach((round, i) => {
    for (const p of round.peaks.concat(round.versionFlag).filter((s) => s.result)) {
      const result = p.result as ClosedLoopResult;
      rows.push([
        String(i + 1),
        p.name,
        'closed',
        String(result.requests),
        String(result.errors),
        rate(result.throughput),
        ms(result.latency.p50),
        ms(result.latency.p99),
        ms(result.latency.max),
      ]);
    }
    for (const { name, result } of round.fixedRate) {
      rows.push([
        String(i + 1),
        name,
        `${settings.rate}/s`,
        String(result.planned),
        String(result.errors),
        rate(result.achievedRate),
        ms(result.latency.p50),
        ms(result.latency.p99),
        ms(result.latency.max),
      ]);
    }
  });
  out.push(table(['round', 'scenario', 'loop', 'requests', 'errors', 'ok per s', 'p50 ms', 'p99 ms', 'max ms'], rows));
  const skipped = new Map(
    rounds
      .flatMap((round) => round.versionFlag.concat(round.peaks))
      .flatMap((p) => (p.skipped ? [[p.name, p.skipped]] : [])),
  );
  for (const [name, reason] of skipped) out.push(`  skipped ${name}: ${reason}`);
  rounds.forEach((round, i) => {
    for (const p of round.peaks)
      for (const s of p.result?.errorSamples ?? []) out.push(`  round ${i + 1} ${p.name}: ${s.count} x ${s.message}`);
    for (const f of round.fixedRate)
      for (const s of f.result.errorSamples) out.push(`  round ${i + 1} ${f.name}: ${s.count} x ${s.message}`);
  });

  out.push('', 'c. Targets (from the issue), on the medians over rounds');
  out.push(
    table(
      ['target', 'median (range)', 'result'],
      checkFlagTargets(results, figures).map((c) => [c.target, c.actual, c.pass ? 'PASS' : 'MISS']),
    ),
  );
  return out.join('\n');
}

const unique = (values: string[]) => [...new Set(values)];
