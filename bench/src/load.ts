// Load generators: an open loop that sends on a fixed schedule (latency counted from the scheduled send time, so a
// stalled server cannot hide its backlog: no coordinated omission) and a closed loop that keeps N requests in flight.
import { LatencyRecorder, LatencySummary } from './histogram';

/** One request. It must settle on its own (its own timeout); a rejection counts as an error. */
export type Send = () => Promise<unknown>;

export interface Clock {
  /** Milliseconds, monotonic. */
  now(): number;
  sleep(milliseconds: number): Promise<void>;
}

export const systemClock: Clock = {
  now: () => performance.now(),
  sleep: (milliseconds) => new Promise((resolve) => setTimeout(resolve, milliseconds)),
};

/** Error messages by count; only the first few distinct ones are kept so a failing run stays bounded. */
export class ErrorTally {
  private readonly counts = new Map<string, number>();
  total = 0;

  constructor(private readonly distinct = 5) {}

  add(error: unknown, times = 1): void {
    if (times <= 0) return;
    this.total += times;
    const message = error instanceof Error ? error.message : String(error);
    const known = this.counts.get(message);
    if (known !== undefined) this.counts.set(message, known + times);
    else if (this.counts.size < this.distinct) this.counts.set(message, times);
  }

  samples(): { message: string; count: number }[] {
    return [...this.counts].map(([message, count]) => ({ message, count }));
  }
}

export interface OpenLoopOptions {
  /** Requests per second. */
  rate: number;
  durationMs: number;
  send: Send;
  /** Requests allowed in flight; past it, due requests wait (and their wait counts in their latency). */
  maxInFlight?: number;
  /** How long after the schedule ends the last answers may take; anything later is an error. */
  drainTimeoutMs?: number;
  clock?: Clock;
}

export interface OpenLoopResult {
  planned: number;
  sent: number;
  ok: number;
  errors: number;
  errorSamples: { message: string; count: number }[];
  /** Successful answers per second, from the first scheduled send to the last answer. */
  achievedRate: number;
  elapsedMs: number;
  /** From the scheduled send time to the answer. */
  latency: LatencySummary;
  /** How late the generator actually sent, behind schedule: its own share of the latency. */
  sendLag: LatencySummary;
}

/** The scheduled send time of request `index` (ms after the start) at `rate` requests per second. */
export function scheduledAt(index: number, rate: number): number {
  return (index * 1000) / rate;
}

export async function runOpenLoop(options: OpenLoopOptions): Promise<OpenLoopResult> {
  const { rate, durationMs, send } = options;
  const clock = options.clock ?? systemClock;
  const maxInFlight = options.maxInFlight ?? 256;
  const planned = Math.floor((rate * durationMs) / 1000);
  const latency = new LatencyRecorder(planned);
  const sendLag = new LatencyRecorder(planned);
  const errors = new ErrorTally();
  const start = clock.now();
  const deadline = start + durationMs + (options.drainTimeoutMs ?? 5000);
  let next = 0;
  let inFlight = 0;
  let ok = 0;
  let lastAnswer = start;
  let closed = false;

  const answered = (scheduled: number, error: unknown) => {
    if (closed) return;
    inFlight--;
    const now = clock.now();
    lastAnswer = now;
    if (error === undefined) {
      ok++;
      latency.record(now - scheduled);
    } else errors.add(error);
  };
  const fire = (index: number) => {
    const scheduled = start + scheduledAt(index, rate);
    sendLag.record(clock.now() - scheduled);
    inFlight++;
    send().then(
      () => answered(scheduled, undefined),
      (error: unknown) => answered(scheduled, error ?? new Error('request failed')),
    );
  };

  while (next < planned) {
    const now = clock.now();
    if (now >= deadline) break;
    while (next < planned && start + scheduledAt(next, rate) <= now && inFlight < maxInFlight) fire(next++);
    if (next >= planned) break;
    // At the in-flight cap, look again shortly; otherwise sleep until the next request is due.
    const due = start + scheduledAt(next, rate) - clock.now();
    await clock.sleep(inFlight >= maxInFlight ? Math.max(1, due) : Math.max(0, due));
  }
  while (inFlight > 0 && clock.now() < deadline) await clock.sleep(5);

  closed = true;
  const sent = next;
  errors.add('not sent before the deadline (generator or in-flight cap saturated)', planned - sent);
  errors.add('no answer before the deadline', inFlight);
  const elapsedMs = lastAnswer - start;
  return {
    planned,
    sent,
    ok,
    errors: errors.total,
    errorSamples: errors.samples(),
    achievedRate: elapsedMs > 0 ? (ok * 1000) / elapsedMs : 0,
    elapsedMs,
    latency: latency.summary(),
    sendLag: sendLag.summary(),
  };
}

export interface ClosedLoopOptions {
  concurrency: number;
  durationMs: number;
  send: Send;
  /** Upper bound on requests, whatever the duration. */
  maxRequests?: number;
  clock?: Clock;
}

export interface ClosedLoopResult {
  requests: number;
  ok: number;
  errors: number;
  errorSamples: { message: string; count: number }[];
  /** Successful answers per second, from the start to the last answer. */
  throughput: number;
  elapsedMs: number;
  latency: LatencySummary;
}

export async function runClosedLoop(options: ClosedLoopOptions): Promise<ClosedLoopResult> {
  const { concurrency, durationMs, send } = options;
  const clock = options.clock ?? systemClock;
  const maxRequests = options.maxRequests ?? 1_000_000;
  const latency = new LatencyRecorder(maxRequests);
  const errors = new ErrorTally();
  const start = clock.now();
  const end = start + durationMs;
  let started = 0;
  let ok = 0;

  const worker = async () => {
    while (started < maxRequests && clock.now() < end) {
      started++;
      const sentAt = clock.now();
      try {
        await send();
        ok++;
        latency.record(clock.now() - sentAt);
      } catch (error) {
        errors.add(error);
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  const elapsedMs = clock.now() - start;
  return {
    requests: started,
    ok,
    errors: errors.total,
    errorSamples: errors.samples(),
    throughput: elapsedMs > 0 ? (ok * 1000) / elapsedMs : 0,
    elapsedMs,
    latency: latency.summary(),
  };
}
