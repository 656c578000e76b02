import { Clock, runClosedLoop, runOpenLoop, scheduledAt } from './load';

/** Virtual time: whenever nothing else can run, time jumps to the earliest pending sleep. */
class ManualClock implements Clock {
  private time = 0;
  private timers: { at: number; wake: () => void }[] = [];

  now(): number {
    return this.time;
  }

  sleep(milliseconds: number): Promise<void> {
    return new Promise((wake) => this.timers.push({ at: this.time + milliseconds, wake }));
  }

  async run<T>(work: Promise<T>): Promise<T> {
    let settled = false;
    const watched = work.finally(() => (settled = true));
    for (;;) {
      await new Promise((resolve) => setImmediate(resolve));
      if (settled) return watched;
      this.timers.sort((a, b) => a.at - b.at);
      const next = this.timers.shift();
      if (!next) throw new Error('nothing left to run and the work has not finished');
      this.time = Math.max(this.time, next.at);
      next.wake();
    }
  }
}

/** A server that answers after `serviceMs(i)` for the i-th request, noting when each request arrived. */
function fakeServer(clock: ManualClock, serviceMs: (index: number) => number) {
  const arrivals: number[] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  return {
    arrivals,
    maxInFlight: () => maxInFlight,
    send: async () => {
      const index = arrivals.length;
      arrivals.push(clock.now());
      maxInFlight = Math.max(maxInFlight, ++inFlight);
      await clock.sleep(serviceMs(index));
      inFlight--;
    },
  };
}

describe('runOpenLoop', () => {
  it('sends each request at its scheduled time, whatever the answers take', async () => {
    const clock = new ManualClock();
    const server = fakeServer(clock, () => 35);

    const result = await clock.run(runOpenLoop({ rate: 100, durationMs: 1000, send: server.send, clock }));

    expect(result.planned).toBe(100);
    expect(server.arrivals).toEqual(Array.from({ length: 100 }, (_, i) => scheduledAt(i, 100)));
    expect(server.maxInFlight()).toBe(4);
    expect(result.latency).toMatchObject({ count: 100, p50: 35, p99: 35, max: 35 });
    expect(result.sendLag.max).toBe(0);
    expect(result.achievedRate).toBeCloseTo((100 * 1000) / (990 + 35));
  });

  it('counts a server stall in the latency of every request scheduled during it (no coordinated omission)', async () => {
    const clock = new ManualClock();
    // One connection: while request 50 stalls for 200 ms, the 20 requests due meanwhile cannot be sent.
    const server = fakeServer(clock, (i) => (i === 50 ? 200 : 1));

    const result = await clock.run(
      runOpenLoop({ rate: 100, durationMs: 1000, send: server.send, maxInFlight: 1, clock }),
    );

    expect(result.ok).toBe(100);
    expect(result.latency.p50).toBe(1);
    // A closed loop would report one slow request of 100 (p90 = 1 ms); from the schedule, 20 of them are slow.
    expect(result.latency.p90).toBeGreaterThan(10);
    expect(result.latency.max).toBe(200);
    expect(result.sendLag.max).toBeGreaterThanOrEqual(190);
  });

  it('gives up at the deadline and reports every unanswered request as an error', async () => {
    const clock = new ManualClock();
    const never = () => new Promise<void>(() => undefined);

    const result = await clock.run(runOpenLoop({ rate: 100, durationMs: 100, send: never, drainTimeoutMs: 50, clock }));

    expect(result).toMatchObject({ planned: 10, sent: 10, ok: 0, errors: 10 });
    expect(result.errorSamples).toEqual([{ message: 'no answer before the deadline', count: 10 }]);
  });

  it('counts failed requests as errors and keeps them out of the latency figures', async () => {
    const clock = new ManualClock();
    let calls = 0;
    const flaky = async () => {
      await clock.sleep(2);
      if (calls++ % 4 === 0) throw new Error('HTTP 503: overloaded');
    };

    const result = await clock.run(runOpenLoop({ rate: 100, durationMs: 400, send: flaky, clock }));

    expect(result).toMatchObject({ planned: 40, ok: 30, errors: 10 });
    expect(result.errorSamples).toEqual([{ message: 'HTTP 503: overloaded', count: 10 }]);
    expect(result.latency.count).toBe(30);
  });
});

describe('runClosedLoop', () => {
  it('keeps exactly N requests in flight and measures from the actual send', async () => {
    const clock = new ManualClock();
    const server = fakeServer(clock, () => 10);

    const result = await clock.run(runClosedLoop({ concurrency: 4, durationMs: 100, send: server.send, clock }));

    expect(server.maxInFlight()).toBe(4);
    expect(result).toMatchObject({ requests: 40, ok: 40, errors: 0, elapsedMs: 100, throughput: 400 });
    expect(result.latency).toMatchObject({ p50: 10, p99: 10 });
  });

  it('stops at maxRequests even when time is left', async () => {
    const clock = new ManualClock();
    const server = fakeServer(clock, () => 1);

    const result = await clock.run(
      runClosedLoop({ concurrency: 2, durationMs: 10_000, send: server.send, maxRequests: 7, clock }),
    );

    expect(result.requests).toBe(7);
    expect(server.arrivals).toHaveLength(7);
  });
});
