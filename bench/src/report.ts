// The printed result of a bench run: every figure over the rounds (median and range, per-round ratios to the peer
// and the baseline), the issue's targets on the medians with PASS/MISS, idle memory, and where the CPU went.
import { arch, cpus, platform, totalmem } from 'node:os';
import type { ClosedLoopResult, OpenLoopResult } from './load';
import { medianRoundIndex, perRoundRatios, spread, Spread } from './rounds';
import type { ScenarioUsage } from './usage';

export interface Machine {
  cores: number;
  cpuModel: string;
  memoryGiB: number;
  platform: string;
  node: string;
  date: string;
}

/** This machine, now: printed at the top of every report, since figures from a shared machine need their context. */
export function thisMachine(): Machine {
  const cpu = cpus();
  return {
    cores: cpu.length,
    cpuModel: cpu[0]?.model.trim() ?? 'unknown',
    memoryGiB: totalmem() / 2 ** 30,
    platform: `${platform()} ${arch()}`,
    node: process.version,
    date: new Date().toISOString(),
  };
}

export interface PeakScenario {
  name: string;
  /** Absent when the scenario was skipped, with the reason. */
  result?: ClosedLoopResult;
  skipped?: string;
  usage?: ScenarioUsage;
}

/** Every scenario once: the bench runs `settings.rounds` of these. */
export interface Round {
  fixedRate: { result: OpenLoopResult; usage?: ScenarioUsage };
  peaks: PeakScenario[];
  baseline: { result: ClosedLoopResult; usage?: ScenarioUsage };
}

export interface BenchResults {
  machine: Machine;
  target: string;
  peer: string;
  model: string;
  settings: { durationSeconds: number; concurrency: number; rate: number; rounds: number };
  /** Resident memory of each process once the stack is up and warmed, before any load. */
  idleMemory: { name: string; rssKiB?: number }[];
  rounds: Round[];
}

export interface TargetCheck {
  target: string;
  actual: string;
  pass: boolean;
}

export type FigureUnit = 'req/s' | 'ops/s' | 'ms' | '%' | 'x' | 'MiB';

/** One figure in every round, with its median and range over the rounds that have it. */
export interface Figure {
  name: string;
  unit: FigureUnit;
  perRound: (number | undefined)[];
  spread?: Spread;
}

/** The scenario that takes every hop: gateway -> preprocessor -> inference. */
export const FULL_PATH = 'REST predict';
/** The same request to the one-process server a user could write instead (peer-server.ts). */
export const PEER_PATH = 'peer REST predict';

export const TARGETS = { predictP50Ms: 2, predictP99Ms: 10, peakShareOfBaseline: 30, peakOverPeer: 1.2 } as const;

/** Errors above this share of a scenario's requests make the run a failure: its figures would mean nothing. */
export const MAX_ERROR_RATIO = 0.01;

const peakFigure = (path: string) => `${path} peak`;
const shareFigure = (path: string) => `${path} / baseline`;
const OVER_PEER_FIGURE = `${FULL_PATH} / peer`;
const BASELINE_FIGURE = 'in-process baseline';
const latencyFigure = (percentile: string, rate: number) => `predict ${percentile} at ${rate} req/s`;

export function shareOfBaseline(peak: ClosedLoopResult, baseline: ClosedLoopResult): number {
  return (peak.throughput / baseline.throughput) * 100;
}

/** A figure from its per-round values, with the median and range of the rounds that have one. */
export function figureOf(name: string, unit: FigureUnit, perRound: (number | undefined)[]): Figure {
  return { name, unit, perRound, spread: spread(perRound.filter((v): v is number => v !== undefined)) };
}

/** Every figure the targets and the summary table use, round by round: peaks, ratios, fixed-rate latency. */
export function summarize(results: BenchResults): Figure[] {
  const { rounds } = results;
  const peakOf = (path: string) => rounds.map((r) => r.peaks.find((p) => p.name === path)?.result?.throughput);
  const baseline = rounds.map((r) => r.baseline.result.throughput);
  const paths = rounds[0]?.peaks.map((p) => p.name) ?? [];
  const rate = results.settings.rate;
  return [
    ...paths.map((path) => figureOf(peakFigure(path), 'req/s', peakOf(path))),
    figureOf(BASELINE_FIGURE, 'ops/s', baseline),
    figureOf(OVER_PEER_FIGURE, 'x', perRoundRatios(peakOf(FULL_PATH), peakOf(PEER_PATH))),
    ...paths.map((path) =>
      figureOf(
        shareFigure(path),
        '%',
        perRoundRatios(peakOf(path), baseline).map((r) => (r === undefined ? undefined : r * 100)),
      ),
    ),
    figureOf(
      latencyFigure('p50', rate),
      'ms',
      rounds.map((r) => r.fixedRate.result.latency.p50),
    ),
    figureOf(
      latencyFigure('p99', rate),
      'ms',
      rounds.map((r) => r.fixedRate.result.latency.p99),
    ),
  ];
}

/** The issue's targets, each on the median over rounds (ratios: the median of the per-round ratios). */
export function checkTargets(results: BenchResults, figures = summarize(results)): TargetCheck[] {
  const rate = results.settings.rate;
  const checks: TargetCheck[] = [];
  const check = (name: string, target: string, pass: (median: number) => boolean) => {
    const figure = figures.find((f) => f.name === name);
    if (!figure?.spread) return;
    checks.push({ target, actual: spreadText(figure), pass: pass(figure.spread.median) });
  };
  check(
    latencyFigure('p50', rate),
    `predict p50 <= ${TARGETS.predictP50Ms} ms at ${rate} req/s`,
    (m) => m <= TARGETS.predictP50Ms,
  );
  check(
    latencyFigure('p99', rate),
    `predict p99 <= ${TARGETS.predictP99Ms} ms at ${rate} req/s`,
    (m) => m <= TARGETS.predictP99Ms,
  );
  // Micro-batching is what a one-process server lacks: Aviary's three services must beat it, not just match it.
  check(OVER_PEER_FIGURE, `${FULL_PATH} peak >= ${TARGETS.peakOverPeer} x the peer`, (m) => m >= TARGETS.peakOverPeer);
  // On the full path (records -> preprocessor -> inference), the one the baseline replays in process; OIP and gRPC
  // skip preprocessing, so their share of the baseline is printed for comparison only.
  check(
    shareFigure(FULL_PATH),
    `${FULL_PATH} (full path) peak >= ${TARGETS.peakShareOfBaseline} % of in-process baseline`,
    (m) => m >= TARGETS.peakShareOfBaseline,
  );
  return checks;
}

/** Scenarios whose errors exceed MAX_ERROR_RATIO, described for the failure message. */
export function failedScenarios(results: BenchResults): string[] {
  const failed: string[] = [];
  results.rounds.forEach((round, i) => {
    const prefix = results.rounds.length > 1 ? `round ${i + 1} ` : '';
    const open = round.fixedRate.result;
    if (open.planned === 0 || open.errors / open.planned > MAX_ERROR_RATIO)
      failed.push(`${prefix}fixed-rate predict: ${open.errors} errors of ${open.planned}`);
    const closed: [string, ClosedLoopResult | undefined][] = [
      ...round.peaks.map((p): [string, ClosedLoopResult | undefined] => [p.name, p.result]),
      [BASELINE_FIGURE, round.baseline.result],
    ];
    for (const [name, r] of closed) {
      if (r && (r.requests === 0 || r.errors / r.requests > MAX_ERROR_RATIO))
        failed.push(`${prefix}${name}: ${r.errors} errors of ${r.requests}`);
    }
  });
  return failed;
}

export function formatReport(results: BenchResults): string {
  const { machine, settings, rounds } = results;
  const figures = summarize(results);
  const out: string[] = [];
  out.push(`Aviary bench, ${machine.date}`);
  out.push(
    `machine   ${machine.cores} cores (${machine.cpuModel}), ${machine.memoryGiB.toFixed(1)} GiB, ${machine.platform}, node ${machine.node}`,
  );
  out.push(`target    ${results.target}`);
  out.push(`peer      ${results.peer}`);
  out.push(`model     ${results.model}`);
  out.push(
    `settings  ${settings.rounds} rounds, ${settings.durationSeconds} s per scenario, concurrency ${settings.concurrency}, fixed rate ${settings.rate} req/s, 127.0.0.1 only`,
  );
  out.push(
    `note      the load generator (this process) shares the CPU with nats-server, every service and the peer; its own CPU is in the last tables`,
  );

  out.push('', 'a. Idle memory: resident set (VmRSS) of each process, stack up and warmed, before any load');
  out.push(
    table(
      ['process', 'RSS MiB'],
      results.idleMemory.map((m) => [m.name, m.rssKiB === undefined ? '-' : (m.rssKiB / 1024).toFixed(1)]),
    ),
  );

  out.push(
    '',
    `b. Over ${rounds.length} rounds (peaks: closed loop, ${settings.concurrency} in flight; Aviary and the peer back to back, the order swapped each round)`,
  );
  out.push(figuresTable(figures, rounds.length));

  out.push('', `c. Each closed loop in each round (${settings.concurrency} in flight; the baseline one at a time)`);
  const closedRows: string[][] = [];
  rounds.forEach((round, i) => {
    for (const p of round.peaks) {
      closedRows.push(
        p.result
          ? [String(i + 1), p.name, ...closedCells(p.result)]
          : [String(i + 1), p.name, `skipped: ${p.skipped ?? ''}`, '', '', '', ''],
      );
    }
    closedRows.push([String(i + 1), BASELINE_FIGURE, ...closedCells(round.baseline.result)]);
  });
  out.push(table(['round', 'scenario', 'requests', 'errors', 'per s', 'p50 ms', 'p99 ms'], closedRows));
  rounds.forEach((round, i) => {
    for (const p of round.peaks)
      if (p.result) out.push(...errorLines(p.result.errorSamples, `round ${i + 1} ${p.name}`));
    out.push(...errorLines(round.baseline.result.errorSamples, `round ${i + 1} ${BASELINE_FIGURE}`));
  });

  out.push(
    '',
    `d. REST predict, 1 record, fixed rate ${settings.rate} req/s (open loop; latency from the scheduled send time)`,
  );
  out.push(
    table(
      [
        'round',
        'planned',
        'sent',
        'ok',
        'errors',
        'achieved req/s',
        'p50 ms',
        'p90 ms',
        'p99 ms',
        'max ms',
        'send lag p50 / p99 ms',
      ],
      rounds.map(({ fixedRate: { result: open } }, i) =>
        [
          i + 1,
          open.planned,
          open.sent,
          open.ok,
          open.errors,
          rate(open.achievedRate),
          ms(open.latency.p50),
          ms(open.latency.p90),
          ms(open.latency.p99),
          ms(open.latency.max),
          `${ms(open.sendLag.p50)} / ${ms(open.sendLag.p99)}`,
        ].map(String),
      ),
    ),
  );
  rounds.forEach((round, i) => out.push(...errorLines(round.fixedRate.result.errorSamples, `round ${i + 1}`)));

  out.push('', 'e. Targets (from the issue), on the medians over rounds');
  out.push(
    table(
      ['target', 'median (range)', 'result'],
      checkTargets(results, figures).map((c) => [c.target, c.actual, c.pass ? 'PASS' : 'MISS']),
    ),
  );

  const full = figures.find((f) => f.name === peakFigure(FULL_PATH));
  const shown = full ? medianRoundIndex(full.perRound.map((v) => v ?? 0)) : 0;
  const usages = rounds[shown] ? scenarioUsages(rounds[shown], settings.rate) : [];
  if (usages.length) {
    out.push('', `f. Where the time went, in round ${shown + 1} (the median round of ${FULL_PATH} peak)`);
    out.push(...usageTables(usages, machine.cores));
  }
  return out.join('\n');
}

const closedCells = (r: ClosedLoopResult) => [
  String(r.requests),
  String(r.errors),
  rate(r.throughput),
  ms(r.latency.p50),
  ms(r.latency.p99),
];

export const spreadText = (f: Figure) =>
  f.spread
    ? `${figureValue(f.spread.median, f.unit)} (${figureValue(f.spread.min, f.unit)} - ${figureValue(f.spread.max, f.unit)})`
    : '-';

/** Each figure's median, range and value in every round, one row a figure. */
export function figuresTable(figures: readonly Figure[], roundCount: number): string {
  return table(
    ['figure', 'median', 'range', ...Array.from({ length: roundCount }, (_, i) => `round ${i + 1}`)],
    figures.map((f) => [
      f.name,
      f.spread ? figureValue(f.spread.median, f.unit) : '-',
      f.spread ? `${figureValue(f.spread.min, f.unit)} - ${figureValue(f.spread.max, f.unit)}` : '-',
      ...f.perRound.map((v) => (v === undefined ? '-' : figureValue(v, f.unit))),
    ]),
  );
}

export function figureValue(v: number, unit: FigureUnit): string {
  switch (unit) {
    case 'req/s':
    case 'ops/s':
      return `${rate(v)} ${unit}`;
    case 'ms':
      return `${ms(v)} ms`;
    case '%':
      return `${v.toFixed(1)} %`;
    case 'x':
      return `${v.toFixed(2)} x`;
    case 'MiB':
      return `${v.toFixed(1)} MiB`;
  }
}

function usageTables(usages: UsageRow[], cores: number): string[] {
  const out: string[] = [];
  const names = usages[0].usage.processes.map((p) => p.name);
  out.push(`CPU per process during each scenario (100 % = one core; the machine has ${cores})`);
  out.push(
    table(
      ['scenario', 'machine busy', ...names, 'other processes'],
      usages.map(({ name, usage }) => [
        name,
        `${pct(usage.machineBusyPercent)} of all`,
        ...usage.processes.map((p) => pct(p.cpuPercent)),
        pct(usage.others.reduce((sum, o) => sum + o.cpuPercent, 0)),
      ]),
    ),
  );
  out.push('  busiest other processes (not part of the bench or its stack):');
  for (const { name, usage } of usages) {
    const top = usage.others.slice(0, 3).map((o) => `${o.name} ${pct(o.cpuPercent)}`);
    out.push(`    ${name}: ${top.join(', ') || 'none'}`);
  }
  out.push('', 'Mean ms per request: as the client saw it, and as each service measured its own part (from /metrics)');
  out.push(
    table(
      ['scenario', 'client', 'gateway', 'preprocess', 'inference (ORT)'],
      usages.map(({ name, usage, clientMeanMs }) => [
        name,
        ms(clientMeanMs),
        ms(usage.hops.gatewayMs),
        ms(usage.hops.preprocessMs),
        ms(usage.hops.inferenceMs),
      ]),
    ),
  );
  out.push('', 'CPU ms per successful request (CPU time during the scenario / answers): what each hop costs');
  out.push(
    table(
      ['scenario', ...names, 'all observed'],
      usages.map(({ name, usage, answers }) => {
        const perRequest = usage.processes.map((p) =>
          p.cpuPercent === undefined ? undefined : ((p.cpuPercent / 100) * usage.wallMs) / answers,
        );
        const total = perRequest.reduce<number>((sum, v) => sum + (v ?? 0), 0);
        return [name, ...perRequest.map((v) => (v === undefined ? '-' : v.toFixed(3))), total.toFixed(3)];
      }),
    ),
  );
  out.push('', 'Event-loop lag p99 / max ms per process during each scenario (delay beyond the 10 ms sampling timer)');
  out.push(
    table(
      ['scenario', ...names],
      usages.map(({ name, usage }) => [
        name,
        ...usage.processes.map((p) =>
          p.eventLoopLagP99Ms === undefined ? '-' : `${ms(p.eventLoopLagP99Ms)} / ${ms(p.eventLoopLagMaxMs)}`,
        ),
      ]),
    ),
  );
  return out;
}

interface UsageRow {
  name: string;
  usage: ScenarioUsage;
  clientMeanMs: number;
  answers: number;
}

function scenarioUsages(round: Round, fixedRate: number): UsageRow[] {
  const rows: UsageRow[] = [];
  const { fixedRate: open, baseline } = round;
  if (open.usage) {
    rows.push({
      name: `predict @ ${fixedRate}/s`,
      usage: open.usage,
      clientMeanMs: open.result.latency.mean,
      answers: open.result.ok,
    });
  }
  for (const p of round.peaks) {
    if (p.usage && p.result)
      rows.push({ name: `${p.name} peak`, usage: p.usage, clientMeanMs: p.result.latency.mean, answers: p.result.ok });
  }
  if (baseline.usage)
    rows.push({
      name: 'baseline',
      usage: baseline.usage,
      clientMeanMs: baseline.result.latency.mean,
      answers: baseline.result.ok,
    });
  return rows;
}

function errorLines(samples: { message: string; count: number }[], scenario?: string): string[] {
  return samples.map((s) => `  ${scenario ? `${scenario}: ` : ''}${s.count} x ${s.message}`);
}

export const ms = (value: number | undefined) =>
  value === undefined || Number.isNaN(value) ? '-' : value < 10 ? value.toFixed(2) : value.toFixed(1);
export const rate = (value: number) => value.toFixed(0);
const pct = (value: number | undefined) => (value === undefined ? '-' : `${value.toFixed(0)} %`);

/** Plain-text table: first column left-aligned, the others right-aligned. */
export function table(headers: string[], rows: string[][]): string {
  const widths = headers.map((h, c) => Math.max(h.length, ...rows.map((r) => (r[c] ?? '').length)));
  const line = (cells: string[]) =>
    '  ' + cells.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join('  ');
  return [line(headers), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}
