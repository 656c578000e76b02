// Where the time went during one scenario: CPU time of every process (from /proc, Linux only), and from each
// service's /metrics the server-side time per hop and its event-loop lag (prom-client resets the lag at each scrape).
import { readdirSync, readFileSync } from 'node:fs';
import { basename } from 'node:path';
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
  /** Processes outside the bench and its stack (other work on the machine), busiest first, % of one core. */
  others: { name: string; cpuPercent: number }[];
  hops: HopTimes;
}

const HOP_HISTOGRAMS: Record<keyof HopTimes, string> = {
  gatewayMs: 'aviary_request_duration_seconds',
  preprocessMs: 'aviary_preprocess_duration_seconds',
  inferenceMs: 'aviary_inference_duration_seconds',
};

const CLOCK_TICKS_PER_SECOND = 100; // USER_HZ on Linux (`getconf CLK_TCK`)
/** prom-client samples the event loop every 10 ms, and a sample is the whole interval: lag = sample - 10 ms. */
const LAG_RESOLUTION_MS = 10;

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

/** The resident set (VmRSS) in KiB from the text of /proc/<pid>/status. */
export function parseVmRssKiB(status: string): number | undefined {
  const match = /^VmRSS:\s+(\d+)\s+kB$/m.exec(status);
  return match ? Number(match[1]) : undefined;
}

/** A process's resident memory in KiB, or undefined when /proc does not have it (exited, or not Linux). */
export function processRssKiB(pid: number): number | undefined {
  try {
    return parseVmRssKiB(readFileSync(`/proc/${pid}/status`, 'utf8'));
  } catch {
    return undefined;
  }
}

/** CPU ms of every process on the machine, by pid. */
function everyProcessCpuMs(): Map<number, number> {
  const cpu = new Map<number, number>();
  let entries: string[] = [];
  try {
    entries = readdirSync('/proc');
  } catch {
    return cpu;
  }
  for (const entry of entries) {
    const pid = Number(entry);
    if (!Number.isInteger(pid)) continue;
    const ms = processCpuMs(pid);
    if (ms !== undefined) cpu.set(pid, ms);
  }
  return cpu;
}

/** A short name for a process: its command, and for node the script it runs. */
function processLabel(pid: number): string {
  try {
    const args = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
    if (args.length === 0) {
      // Kernel threads have no command line; group them by the name before the '/' (kworker/u8:2 -> [kworker]).
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      return `[${stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')')).split('/')[0]}]`;
    }
    const command = basename(args[0]);
    const script = args.slice(1).find((a) => !a.startsWith('-'));
    return command === 'node' && script ? `node ${basename(script)}` : command;
  } catch {
    return 'exited during the scenario';
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

/** Sum of a metric's samples in Prometheus text format, over every label set containing `labels` when given. */
export function sumMetric(text: string, name: string, labels?: string): number | undefined {
  let sum: number | undefined;
  for (const line of text.split('\n')) {
    if (!line.startsWith(name) || (line[name.length] !== '{' && line[name.length] !== ' ')) continue;
    if (labels && !line.includes(labels)) continue;
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
  /** `model` keeps the hop times to that model's requests (not /metrics or health checks). */
  constructor(
    private readonly processes: readonly ObservedProcess[],
    model: string,
  ) {
    this.modelLabel = `model="${model}"`;
  }

  private readonly modelLabel: string;

  /** Starts a measurement window; call `finish` on what it returns when the scenario ends. */
  async start(): Promise<{ finish(): Promise<ScenarioUsage> }> {
    const before = await Promise.all(this.processes.map((p) => (p.metricsUrl ? scrape(p.metricsUrl) : undefined)));
    const cpuBefore = this.processes.map((p) => (p.pid ? processCpuMs(p.pid) : undefined));
    const machineBefore = machineTicks();
    const everyBefore = everyProcessCpuMs();
    const ownLag = monitorEventLoopDelay({ resolution: LAG_RESOLUTION_MS });
    ownLag.enable();
    const startedAt = performance.now();

    return {
      finish: async () => {
        const wallMs = performance.now() - startedAt;
        ownLag.disable();
        const machineAfter = machineTicks();
        const cpuAfter = this.processes.map((p) => (p.pid ? processCpuMs(p.pid) : undefined));
        const others = otherProcesses(
          everyBefore,
          everyProcessCpuMs(),
          new Set(this.processes.map((p) => p.pid)),
          wallMs,
        );
        const after = await Promise.all(this.processes.map((p) => (p.metricsUrl ? scrape(p.metricsUrl) : undefined)));
        const processes = this.processes.map((p, i): ProcessUsage => {
          const [cpuStart, cpuEnd] = [cpuBefore[i], cpuAfter[i]];
          const cpu = cpuStart !== undefined && cpuEnd !== undefined ? ((cpuEnd - cpuStart) / wallMs) * 100 : undefined;
          const metrics = after[i];
          const isSelf = p.pid === process.pid;
          const lagP99 = isSelf
            ? ownLag.percentile(99) / 1e6
            : scaled(metrics && sumMetric(metrics, 'nodejs_eventloop_lag_p99_seconds'));
          const lagMax = isSelf
            ? ownLag.max / 1e6
            : scaled(metrics && sumMetric(metrics, 'nodejs_eventloop_lag_max_seconds'));
          return {
            name: p.name,
            cpuPercent: cpu,
            eventLoopLagP99Ms: lagBeyondResolution(lagP99),
            eventLoopLagMaxMs: lagBeyondResolution(lagMax),
          };
        });
        const hops: HopTimes = {};
        for (const key of Object.keys(HOP_HISTOGRAMS) as (keyof HopTimes)[]) {
          hops[key] = meanDelta(before, after, HOP_HISTOGRAMS[key], this.modelLabel);
        }
        const machineBusyPercent =
          machineBefore && machineAfter
            ? ((machineAfter.busy - machineBefore.busy) / (machineAfter.total - machineBefore.total)) * 100
            : undefined;
        return { wallMs, machineBusyPercent, processes, others, hops };
      },
    };
  }
}

const scaled = (seconds: number | '' | undefined) => (typeof seconds === 'number' ? seconds * 1000 : undefined);
const lagBeyondResolution = (ms: number | undefined) =>
  ms === undefined || ms === 0 ? undefined : Math.max(0, ms - LAG_RESOLUTION_MS);

function otherProcesses(
  before: Map<number, number>,
  after: Map<number, number>,
  observed: Set<number | undefined>,
  wallMs: number,
) {
  const byName = new Map<string, number>();
  for (const [pid, ms] of after) {
    if (observed.has(pid)) continue;
    const used = ms - (before.get(pid) ?? 0); // a process started during the window counts whole
    if (used <= 0) continue;
    const name = processLabel(pid);
    byName.set(name, (byName.get(name) ?? 0) + used);
  }
  return [...byName]
    .map(([name, ms]) => ({ name, cpuPercent: (ms / wallMs) * 100 }))
    .sort((a, b) => b.cpuPercent - a.cpuPercent);
}

/** Δsum / Δcount of one histogram summed over every process exporting it, in ms. */
function meanDelta(
  before: (string | undefined)[],
  after: (string | undefined)[],
  histogram: string,
  labels: string,
): number | undefined {
  let sum = 0;
  let count = 0;
  for (let i = 0; i < after.length; i++) {
    const b = before[i];
    const a = after[i];
    if (!a || !b) continue;
    sum += (sumMetric(a, `${histogram}_sum`, labels) ?? 0) - (sumMetric(b, `${histogram}_sum`, labels) ?? 0);
    count += (sumMetric(a, `${histogram}_count`, labels) ?? 0) - (sumMetric(b, `${histogram}_count`, labels) ?? 0);
  }
  return count > 0 ? (sum / count) * 1000 : undefined;
}
