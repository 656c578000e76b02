// The printed result of a bench run: every figure, the issue's targets with PASS/MISS, and where the CPU went.
import type { ClosedLoopResult, OpenLoopResult } from './load';
import type { ScenarioUsage } from './usage';

export interface Machine {
  cores: number;
  cpuModel: string;
  memoryGiB: number;
  platform: string;
  node: string;
  date: string;
}

export interface PeakScenario {
  name: string;
  /** Absent when the scenario was skipped, with the reason. */
  result?: ClosedLoopResult;
  skipped?: string;
  usage?: ScenarioUsage;
}

export interface BenchResults {
  machine: Machine;
  target: string;
  model: string;
  settings: { durationSeconds: number; concurrency: number; rate: number };
  fixedRate: { result: OpenLoopResult; usage?: ScenarioUsage };
  peaks: PeakScenario[];
  baseline: { result: ClosedLoopResult; usage?: ScenarioUsage };
}

export interface TargetCheck {
  target: string;
  actual: string;
  pass: boolean;
}

/** The scenario that takes every hop: gateway -> preprocessor -> inference. */
export const FULL_PATH = 'REST predict';

export const TARGETS = { predictP50Ms: 2, predictP99Ms: 10, peakShareOfBaseline: 25 } as const;

/** Errors above this share of a scenario's requests make the run a failure: its figures would mean nothing. */
export const MAX_ERROR_RATIO = 0.01;

export function shareOfBaseline(peak: ClosedLoopResult, baseline: ClosedLoopResult): number {
  return (peak.throughput / baseline.throughput) * 100;
}

export function checkTargets(results: BenchResults): TargetCheck[] {
  const { latency } = results.fixedRate.result;
  const rate = results.settings.rate;
  const checks: TargetCheck[] = [
    {
      target: `predict p50 <= ${TARGETS.predictP50Ms} ms at ${rate} req/s`,
      actual: `${ms(latency.p50)} ms`,
      pass: latency.p50 <= TARGETS.predictP50Ms,
    },
    {
      target: `predict p99 <= ${TARGETS.predictP99Ms} ms at ${rate} req/s`,
      actual: `${ms(latency.p99)} ms`,
      pass: latency.p99 <= TARGETS.predictP99Ms,
    },
  ];
  // The target is on the full path (records -> preprocessor -> inference), the one the baseline replays in process;
  // OIP and gRPC skip preprocessing, so their share of the baseline is printed for comparison only.
  const full = results.peaks.find((p) => p.name === FULL_PATH)?.result;
  if (full) {
    const share = shareOfBaseline(full, results.baseline.result);
    checks.push({
      target: `${FULL_PATH} (full path) peak >= ${TARGETS.peakShareOfBaseline} % of in-process baseline`,
      actual: `${share.toFixed(1)} %`,
      pass: share >= TARGETS.peakShareOfBaseline,
    });
  }
  return checks;
}

/** Scenarios whose errors exceed MAX_ERROR_RATIO, described for the failure message. */
export function failedScenarios(results: BenchResults): string[] {
  const failed: string[] = [];
  const open = results.fixedRate.result;
  if (open.planned === 0 || open.errors / open.planned > MAX_ERROR_RATIO)
    failed.push(`fixed-rate predict: ${open.errors} errors of ${open.planned}`);
  const closed: [string, ClosedLoopResult | undefined][] = [
    ...results.peaks.map((p): [string, ClosedLoopResult | undefined] => [p.name, p.result]),
    ['in-process baseline', results.baseline.result],
  ];
  for (const [name, r] of closed) {
    if (r && (r.requests === 0 || r.errors / r.requests > MAX_ERROR_RATIO))
      failed.push(`${name}: ${r.errors} errors of ${r.requests}`);
  }
  return failed;
}

export function formatReport(results: BenchResults): string {
  const { machine, settings } = results;
  const open = results.fixedRate.result;
  const baseline = results.baseline.result;
  const out: string[] = [];
  out.push(`Aviary bench, ${machine.date}`);
  out.push(
    `machine   ${machine.cores} cores (${machine.cpuModel}), ${machine.memoryGiB.toFixed(1)} GiB, ${machine.platform}, node ${machine.node}`,
  );
  out.push(`target    ${results.target}`);
  out.push(`model     ${results.model}`);
  out.push(
    `settings  ${settings.durationSeconds} s per scenario, concurrency ${settings.concurrency}, fixed rate ${settings.rate} req/s, 127.0.0.1 only`,
  );
  out.push(
    `note      the load generator (this process) shares the CPU with nats-server and every service; its own CPU is in the last table`,
  );

  out.push(
    '',
    `a. REST predict, 1 record, fixed rate ${settings.rate} req/s (open loop; latency from the scheduled send time)`,
  );
  out.push(
    table(
      ['planned', 'sent', 'ok', 'errors', 'achieved req/s', 'p50 ms', 'p90 ms', 'p99 ms', 'max ms', 'send lag p50 / p99 ms'],
      [
        [
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
      ],
    ),
  );
  out.push(...errorLines(open.errorSamples));

  out.push('', `b. Peak throughput, closed loop, ${settings.concurrency} in flight`);
  out.push(
    table(
      ['path', 'requests', 'errors', 'req/s', 'p50 ms', 'p99 ms', '% of baseline'],
      results.peaks.map((p) =>
        p.result
          ? [
              p.name,
              String(p.result.requests),
              String(p.result.errors),
              rate(p.result.throughput),
              ms(p.result.latency.p50),
              ms(p.result.latency.p99),
              `${shareOfBaseline(p.result, baseline).toFixed(1)} %`,
            ]
          : [p.name, `skipped: ${p.skipped ?? ''}`, '', '', '', '', ''],
      ),
    ),
  );
  for (const p of results.peaks) if (p.result) out.push(...errorLines(p.result.errorSamples, p.name));

  out.push(
    '',
    'c. In-process baseline: applyFeatureSpec + session.run + interpretOutputs, one at a time, no NATS, no HTTP',
  );
  out.push(
    table(
      ['ops', 'errors', 'ops/s', 'p50 ms', 'p99 ms'],
      [
        [
          String(baseline.requests),
          String(baseline.errors),
          rate(baseline.throughput),
          ms(baseline.latency.p50),
          ms(baseline.latency.p99),
        ],
      ],
    ),
  );
  out.push(...errorLines(baseline.errorSamples));

  out.push('', 'd. Targets (from the issue)');
  out.push(
    table(
      ['target', 'actual', 'result'],
      checkTargets(results).map((c) => [c.target, c.actual, c.pass ? 'PASS' : 'MISS']),
    ),
  );

  const usages = scenarioUsages(results);
  if (usages.length) {
    const names = usages[0].usage.processes.map((p) => p.name);
    out.push(
      '',
      `Where the time went: CPU per process during each scenario (100 % = one core; the machine has ${machine.cores})`,
    );
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
    out.push(
      '',
      'Mean ms per request: as the client saw it, and as each service measured its own part (from /metrics)',
    );
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
        ['scenario', ...names, 'bench + stack'],
        usages.map(({ name, usage, answers }) => {
          const perRequest = usage.processes.map((p) =>
            p.cpuPercent === undefined ? undefined : ((p.cpuPercent / 100) * usage.wallMs) / answers,
          );
          const total = perRequest.reduce<number>((sum, v) => sum + (v ?? 0), 0);
          return [name, ...perRequest.map((v) => (v === undefined ? '-' : v.toFixed(3))), total.toFixed(3)];
        }),
      ),
    );
    out.push(
      '',
      'Event-loop lag p99 / max ms per process during each scenario (delay beyond the 10 ms sampling timer)',
    );
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
  }
  return out.join('\n');
}

interface UsageRow {
  name: string;
  usage: ScenarioUsage;
  clientMeanMs: number;
  answers: number;
}

function scenarioUsages(results: BenchResults): UsageRow[] {
  const rows: UsageRow[] = [];
  const { fixedRate, baseline } = results;
  if (fixedRate.usage) {
    const name = `predict @ ${results.settings.rate}/s`;
    rows.push({
      name,
      usage: fixedRate.usage,
      clientMeanMs: fixedRate.result.latency.mean,
      answers: fixedRate.result.ok,
    });
  }
  for (const p of results.peaks) {
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

const ms = (value: number | undefined) =>
  value === undefined || Number.isNaN(value) ? '-' : value < 10 ? value.toFixed(2) : value.toFixed(1);
const rate = (value: number) => value.toFixed(0);
const pct = (value: number | undefined) => (value === undefined ? '-' : `${value.toFixed(0)} %`);

/** Plain-text table: first column left-aligned, the others right-aligned. */
export function table(headers: string[], rows: string[][]): string {
  const widths = headers.map((h, c) => Math.max(h.length, ...rows.map((r) => (r[c] ?? '').length)));
  const line = (cells: string[]) =>
    '  ' + cells.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join('  ');
  return [line(headers), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}
