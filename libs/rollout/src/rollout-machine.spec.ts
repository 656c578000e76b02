import { MetricValue } from './builtin-metrics';
import { parseRolloutDocument, RolloutSpec } from './rollout-document';
import { advance, applyCommand, dueMeasurements, HISTORY_LIMIT, RolloutStatus, startRollout } from './rollout-machine';

const T0 = Date.parse('2026-01-01T00:00:00Z');
const at = (seconds: number) => new Date(T0 + seconds * 1000);

const successRate = (extra: object = {}) => ({
  name: 'success-rate',
  provider: 'builtin',
  interval: '1s',
  count: 2,
  successCondition: 'result >= 0.95',
  ...extra,
});

function specOf(steps: object[], canary: object = {}): RolloutSpec {
  return parseRolloutDocument({ model: 'flight-delay', candidate: '2', strategy: { canary: { steps, ...canary } } });
}

const healthySteps = [
  { setWeight: 20 },
  { analysis: { metrics: [successRate()] } },
  { setWeight: 50 },
  { pause: { duration: '1s' } },
  { setWeight: 100 },
];

/** Runs ticks each second from `from`, answering every due measurement with `answer`, until `until` holds. */
function run(
  spec: RolloutSpec,
  status: RolloutStatus,
  answer: (metric: string) => MetricValue | { error: string },
  { from = 0, ticks = 30, until = (s: RolloutStatus) => s.phase !== 'Progressing' } = {},
): { status: RolloutStatus; seconds: number } {
  for (let t = from; t < from + ticks; t++) {
    const now = at(t);
    const due = dueMeasurements(spec, status, now);
    const inputs = due.map((d) => ({
      step: d.step,
      runStartedAt: d.runStartedAt,
      metric: d.metric.name,
      reading: t,
      ...(!d.prime && { result: answer(d.metric.name) }),
    }));
    status = advance(spec, status, inputs, now).status;
    if (until(status)) return { status, seconds: t };
  }
  return { status, seconds: from + ticks };
}

describe('the rollout state machine', () => {
  it('walks a healthy canary through every step to Healthy, moving the serving pointer to the candidate', () => {
    const spec = specOf(healthySteps);
    const start = startRollout(spec, '1', at(0));
    const first = advance(spec, start, [], at(0));
    expect(first.status).toMatchObject({ phase: 'Progressing', step: 1, weight: 20 });
    expect(first.actions.traffic).toEqual({ stable: '1', canary: '2', weight: 20, match: [] });

    const { status } = run(spec, first.status, () => ({ value: 1 }), { from: 1 });
    expect(status).toMatchObject({ phase: 'Healthy', weight: 100, serving: '2' });
    const final = advance(spec, status, [], at(60)).actions;
    expect(final.traffic).toBeNull();
    expect(final.serving).toBe('2');
    const messages = status.history.map((e) => e.message);
    expect(messages).toEqual(
      expect.arrayContaining([
        'step 1: analysis started (success-rate)',
        'step 1: success-rate = 1 Successful: successCondition result >= 0.95 holds',
        'step 1: analysis successful',
        'step 2: canary weight 50%',
        'step 3: pause of 1s over',
        'Healthy: every step passed: version 2 serves',
      ]),
    );
    // Each entry has the next seq: the event ids never repeat.
    expect(status.history.map((e) => e.seq)).toEqual(status.history.map((_, i) => i + 1));
  });

  it('pauses on an analysis without data (inconclusive), neither promoting nor aborting, until resumed', () => {
    const spec = specOf(healthySteps);
    const started = advance(spec, startRollout(spec, '1', at(0)), [], at(0)).status;
    const { status } = run(
      spec,
      started,
      () => ({ inconclusive: 'no requests reached version 2 during the interval' }),
      { from: 1 },
    );
    expect(status).toMatchObject({
      phase: 'Paused',
      step: 1,
      weight: 20,
      serving: '1',
      reason:
        'step 1: analysis inconclusive: success-rate inconclusive (no requests reached version 2 during the interval)',
    });
    expect(advance(spec, status, [], at(100)).status.phase).toBe('Paused');
    const resumed = applyCommand(spec, status, 'resume', at(100)).status;
    expect(resumed).toMatchObject({ phase: 'Progressing', step: 1, analysis: { startedAt: at(100).toISOString() } });
    expect(run(spec, resumed, () => ({ value: 0.99 }), { from: 101 }).status.phase).toBe('Healthy');
  });

  it('aborts on a failing measurement: weight 0, no rollout flag, stable keeps serving', () => {
    const spec = specOf(healthySteps);
    const started = advance(spec, startRollout(spec, '1', at(0)), [], at(0)).status;
    const { status } = run(spec, started, () => ({ value: 0.5 }), { from: 1 });
    expect(status).toMatchObject({ phase: 'Degraded', weight: 0, serving: '1' });
    expect(status.reason).toBe(
      'step 1: analysis failed: success-rate failed (successCondition result >= 0.95 does not hold)',
    );
    expect(advance(spec, status, [], at(50)).actions).toMatchObject({ traffic: null, serving: '1' });
  });

  it('tolerates failures up to failureLimit and errors up to consecutiveErrorLimit, as Argo does', () => {
    const spec = specOf([
      { analysis: { metrics: [successRate({ count: 3, failureLimit: 1, consecutiveErrorLimit: 1 })] } },
    ]);
    const answers: (MetricValue | { error: string })[] = [
      { value: 0.1 },
      { error: 'no gateway answered' },
      { value: 1 },
      { value: 1 },
    ];
    let next = 0;
    const ok = run(spec, startRollout(spec, '1', at(0)), () => answers[next++]);
    expect(ok.status.phase).toBe('Healthy');

    const erring = run(spec, startRollout(spec, '1', at(0)), () => ({ error: 'no gateway answered' }));
    expect(erring.status).toMatchObject({ phase: 'Degraded' });
    expect(erring.status.reason).toMatch(/success-rate error \(no gateway answered\)/);
  });

  it('records a dry-run metric’s failures without acting on them', () => {
    const spec = specOf([
      {
        analysis: {
          metrics: [successRate(), { ...successRate({ name: 'psi', successCondition: 'result < 0.1' }), dryRun: true }],
        },
      },
    ]);
    const { status } = run(spec, startRollout(spec, '1', at(0)), (metric) => ({ value: metric === 'psi' ? 3 : 1 }));
    expect(status.phase).toBe('Healthy');
    expect(status.history.some((e) => /psi = 3 Failed.*\(dry run\)/.test(e.message))).toBe(true);
  });

  it('waits for initialDelay, primes a reading, then measures each interval from the previous reading', () => {
    const spec = specOf([{ analysis: { metrics: [successRate({ initialDelay: '5s' })] } }]);
    const status = advance(spec, startRollout(spec, '1', at(0)), [], at(0)).status;
    expect(dueMeasurements(spec, status, at(4))).toEqual([]);
    const [prime] = dueMeasurements(spec, status, at(5));
    expect(prime).toMatchObject({ prime: true, step: 0 });
    const primed = advance(
      spec,
      status,
      [{ step: 0, runStartedAt: prime.runStartedAt, metric: 'success-rate', reading: 'r5' }],
      at(5),
    ).status;
    expect(dueMeasurements(spec, primed, at(5.5))).toEqual([]);
    expect(dueMeasurements(spec, primed, at(6))).toEqual([expect.objectContaining({ prime: false, baseline: 'r5' })]);
  });

  it('aborts the whole rollout when the background analysis fails', () => {
    const spec = specOf([{ setWeight: 10 }, { pause: {} }], {
      analysis: { metrics: [{ ...successRate(), count: undefined }] },
    });
    const { status } = run(spec, startRollout(spec, '1', at(0)), () => ({ value: 0.2 }), {
      until: (s) => s.phase === 'Degraded',
    });
    expect(status.reason).toMatch(/^background analysis failed: success-rate failed/);
  });

  it('sends match rules to the candidate with the weight', () => {
    const spec = specOf([{ setWeight: 0 }, { pause: {} }], { match: [{ attribute: 'tier', values: ['internal'] }] });
    const { status, actions } = advance(spec, startRollout(spec, '1', at(0)), [], at(0));
    expect(status).toMatchObject({ phase: 'Paused', reason: 'step 1: paused until promoted' });
    expect(actions.traffic).toEqual({
      stable: '1',
      canary: '2',
      weight: 0,
      match: [{ attribute: 'tier', values: ['internal'] }],
    });
  });
});

describe('commands', () => {
  const spec = specOf([{ setWeight: 20 }, { pause: {} }, { setWeight: 60 }, { pause: {} }]);
  const paused = () => advance(spec, startRollout(spec, '1', at(0)), [], at(0)).status;

  it('promote skips the current step; promote --full skips them all', () => {
    const promoted = applyCommand(spec, paused(), 'promote', at(1)).status;
    expect(promoted).toMatchObject({ phase: 'Paused', step: 3, weight: 60 });
    expect(applyCommand(spec, paused(), 'promote-full', at(1)).status).toMatchObject({
      phase: 'Healthy',
      serving: '2',
    });
  });

  it('pause holds a progressing rollout; resume continues past an indefinite pause', () => {
    const timed = specOf([{ setWeight: 20 }, { pause: { duration: '1m' } }, { setWeight: 40 }]);
    const waiting = advance(timed, startRollout(timed, '1', at(0)), [], at(0)).status;
    const held = applyCommand(timed, waiting, 'pause', at(1)).status;
    expect(held).toMatchObject({ phase: 'Paused', reason: 'paused by an operator', weight: 20 });
    expect(advance(timed, held, [], at(120)).status.phase).toBe('Paused');
    expect(applyCommand(spec, paused(), 'resume', at(2)).status).toMatchObject({ step: 3, weight: 60 });
  });

  it('abort sends all traffic to stable; retry runs the rollout again from the first step', () => {
    const aborted = applyCommand(spec, paused(), 'abort', at(1));
    expect(aborted.status).toMatchObject({ phase: 'Degraded', reason: 'aborted by an operator', weight: 0 });
    expect(aborted.actions.traffic).toBeNull();
    const retried = applyCommand(spec, aborted.status, 'retry', at(2)).status;
    expect(retried).toMatchObject({ phase: 'Paused', step: 1, weight: 20, serving: '1' });
    expect(retried.history.slice(0, aborted.status.history.length)).toEqual(aborted.status.history);
    expect(retried.history.at(-1)!.seq).toBeGreaterThan(aborted.status.seq);
  });

  it('undo after Healthy moves the serving pointer back to the previous stable', () => {
    const healthy = applyCommand(spec, paused(), 'promote-full', at(1)).status;
    const undone = applyCommand(spec, healthy, 'undo', at(2));
    // The status says where traffic is: none of it on the candidate any more.
    expect(undone.status).toMatchObject({ phase: 'Degraded', serving: '1', weight: 0 });
    expect(undone.actions).toMatchObject({ traffic: null, serving: '1' });
  });

  it('refuses commands the phase does not allow, saying why', () => {
    const healthy = applyCommand(spec, paused(), 'promote-full', at(1)).status;
    expect(() => applyCommand(spec, healthy, 'abort', at(2))).toThrow(
      'cannot abort the rollout of flight-delay: it is Healthy',
    );
    expect(() => applyCommand(spec, paused(), 'retry', at(2))).toThrow(/only a Degraded rollout is retried/);
    expect(() => applyCommand(spec, paused(), 'pause', at(2))).toThrow(/it is Paused/);
  });

  it('keeps a bounded history', () => {
    let status = paused();
    for (let i = 0; i < HISTORY_LIMIT; i++)
      status = applyCommand(spec, applyCommand(spec, status, 'abort', at(i)).status, 'retry', at(i)).status;
    expect(status.history).toHaveLength(HISTORY_LIMIT);
    expect(status.history.at(-1)!.seq).toBe(status.seq);
  });
});
