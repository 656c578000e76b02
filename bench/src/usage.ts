// Where the time went during one scenario: CPU time of every process (from /proc, Linux only), and from each
// service's /metrics the server-side time per hop and its event-loop lag (prom-client resets the lag at each scrape).
import { readFileSync } from 'node:fs';
import { monitorEventLoopDelay } from 'node:perf_hooks';

export interface ObservedProcess {
  name: string;
  pid?: number;
  /** A service's Prometheus endpoint. */
  metricsUrl?: string;
}

export interface ProcessUsage {
  name: string;
  /** CPU time over wall time: 100 = one core busy the whole scenario. */
  cpuPercent?: number;
  eventLoopLagP99Ms?: number;
  eventLoopLagMaxMs?: number;
}

/** Mean server-side milliseconds per request, from the services' own latency histograms. */
export interface HopTimes {
  gatewayMs?: number;
  preprocessMs?: number;
  inferenceMs?: number;
}

export interface ScenarioUsage {
  wallMs: number;
  /** Share of all cores busy, whoever used them. */
  machineBusyPercent?: number;
  processes: ProcessUsage[];
  hops: HopTimes;
}

const HOP_HISTOGRAMS: Record<keyof HopTimes, string> = {
  gatewayMs: 'aviary_request_duration_seconds',
  preprocessMs: 'aviary_preprocess_duration_seconds',
  inferenceMs: 'aviary_inference_duration_seconds',
};

const CLOCK_TICKS_PER_SECOND = 100; // USER_HZ on Linux (`getconf CLK_TCK`)

/** utime + stime of a process in ms, or undefined when /proc does not have it. */
export function processCpuMs(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the parenthesised command name; utime and stime are fields 14 and 15 of the whole line.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS_PER_SECOND;
  } catch {
    return undefined;
  }
}

function machineTicks(): { busy: number; total: number } | undefined {
  try {
    const cpu = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
    const total = cpu.reduce((a, b) => a + b, 0);
    const idle = cpu[3] + (cpu[4] ?? 0);
    return { busy: total - idle, total };
  } catch {
    return undefined;
  }
}

/** Sum over every label set of a metric's samples in Prometheus text format. */
export function sumMetric(text: string, name: string): number | undefined {
  let sum: number | undefined;
  for (const line of text.split('\n')) {
    if (!line.startsWith(name) || (line[name.length] !== '{' && line[name.length] !== ' ')) continue;
    const value = Number(line.slice(line.lastIndexOf(' ') + 1));
    if (Number.isFinite(value)) sum = (sum ?? 0) + value;
  }
  return sum;
}

async function scrape(url: string): Promise<string | undefined> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(2000) });
    return response.ok ? await response.text() : undefined;
  } catch {
    return undefined;
  }
}

export class UsageProbe {
  constructor(private readonly processes: readonly ObservedProcess[]) {}

  /** Starts a measurement window; call `finish` on what it returns when the scenario ends. */
  async start(): Promise<{ finish(): Promise<ScenarioUsage> }> {
    const before = await Promise.all(this.processes.map((p) => (p.metricsUrl ? scrape(p.metricsUrl) : undefined)));
    const cpuBefore = this.processes.map((p) => (p.pid ? processCpuMs(p.pid) : undefined));
    const machineBefore = machineTicks();
    const ownLag = monitorEventLoopDelay({ resolution: 10 });
    ownLag.enable();
    const startedAt = performance.now();

    return {
      finish: async () => {
        const wallMs = performance.now() - startedAt;
        ownLag.disable();
        const machineAfter = machineTicks();
        const cpuAfter = this.processes.map((p) => (p.pid ? processCpuMs(p.pid) : undefined));
        const after = await Promise.all(this.processes.map((p) => (p.metricsUrl ? scrape(p.metricsUrl) : undefined)));
        const processes = this.processes.map((p, i): ProcessUsage => {
          const cpu = cpuBefore[i] !== undefined && cpuAfter[i] !== undefined ? ((cpuAfter[i]! - cpuBefore[i]!) / wallMs) * 100 : undefined;
          const metrics = after[i];
          const isSelf = p.pid === process.pid;
          const lagP99 = isSelf ? ownLag.percentile(99) / 1e6 : metrics && scaled(sumMetric(metrics, 'nodejs_eventloop_lag_p99_seconds'));
          const lagMax = isSelf ? ownLag.max / 1e6 : metrics && scaled(sumMetric(metrics, 'nodejs_eventloop_lag_max_seconds'));
          return { name: p.name, cpuPercent: cpu, eventLoopLagP99Ms: lagP99 || undefined, eventLoopLagMaxMs: lagMax || undefined };
        });
        const hops: HopTimes = {};
        for (const key of Object.keys(HOP_HISTOGRAMS) as (keyof HopTimes)[]) {
          hops[key] = meanDelta(before, after, HOP_HISTOGRAMS[key]);
        }
        const machineBusyPercent =
          machineBefore && machineAfter
            ? ((machineAfter.busy - machineBefore.busy) / (machineAfter.total - machineBefore.total)) * 100
            : undefined;
        return { wallMs, machineBusyPercent, processes, hops };
      },
    };
  }
}

const scaled = (seconds: number | undefined) => (seconds === undefined ? undefined : seconds * 1000);

/** Δsum / Δcount of one histogram summed over every process exporting it, in ms. */
function meanDelta(before: (string | undefined)[], after: (string | undefined)[], histogram: string): number | undefined {
  let sum = 0;
  let count = 0;
  for (let i = 0; i < after.length; i++) {
    const b = before[i];
    const a = after[i];
    if (!a || !b) continue;
    sum += (sumMetric(a, `${histogram}_sum`) ?? 0) - (sumMetric(b, `${histogram}_sum`) ?? 0);
    count += (sumMetric(a, `${histogram}_count`) ?? 0) - (sumMetric(b, `${histogram}_count`) ?? 0);
  }
  return count > 0 ? (sum / count) * 1000 : undefined;
}
