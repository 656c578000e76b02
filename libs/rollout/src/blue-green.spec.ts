// Blue/green through the rollout state machine: preview traffic only, the wait for promotion, auto-promotion,
// pre- and post-promotion analysis, the switch (only to a warm candidate) and undo within the scale-down window.
import { MetricValue } from './builtin-metrics';
import { parseRolloutDocument, RolloutSpec } from './rollout-document';
import { advance, applyCommand, dueMeasurements, ReplicaFacts, RolloutStatus, startRollout } from './rollout-machine';
import { formatRollout } from './rollout-view';
import { SUCCESS_RATE_METRIC } from './spec-fixtures';

const T0 = Date.parse('2026-01-01T00:00:00Z');
const at = (seconds: number) => new Date(T0 + seconds * 1000);

const successRate = SUCCESS_RATE_METRIC;
const preview = { match: [{ header: 'X-Canary', values: ['yes'] }] };

function specOf(blueGreen: object = {}): RolloutSpec {
  return parseRolloutDocument({
    model: 'flight-delay',
    candidate: '2',
    strategy: { blueGreen: { preview, ...blueGreen } },
  });
}

/** Ticks each second from `from`, answering every due measurement, until `until` holds. */
function run(
  spec: RolloutSpec,
  status: RolloutStatus,
  answer: () => MetricValue,
  { from = 0, ticks = 30, facts = {} as ReplicaFacts, until = (s: RolloutStatus) => s.phase !== 'Progressing' } = {},
): RolloutStatus {
  for (let t = from; t < from + ticks; t++) {
    const now = at(t);
    const inputs = dueMeasurements(spec, status, now).map((d) => ({
      step: d.step,
      runStartedAt: d.runStartedAt,
      metric: d.metric.name,
      reading: t,
      ...(!d.prime && { result: answer() }),
    }));
    status = advance(spec, status, inputs, now, facts).status;
    if (until(status)) return status;
  }
  return status;
}

const messages = (status: RolloutStatus) => status.history.map((e) => e.message);
const warm = (...versions: string[]): ReplicaFacts => ({ warm: new Set(versions) });

describe('a blue/green rollout', () => {
  it('gives the candidate only preview traffic and waits, Paused, for promotion', () => {
    const spec = specOf();
    const { status, actions } = advance(spec, startRollout(spec, '1', at(0)), [], at(0));
    expect(status).toMatchObject({ phase: 'Paused', reason: 'step 0: waiting for promotion', weight: 0, serving: '1' });
    expect(actions.traffic).toEqual({
      stable: '1',
      canary: '2',
      weight: 0,
      match: [{ header: 'x-canary', values: ['yes'] }],
    });
    expect(advance(spec, status, [], at(600)).status.phase).toBe('Paused');
  });

  it('switches all traffic and the serving pointer at once on promote, then is Healthy without post analysis', () => {
    const spec = specOf({ scaleDownDelaySeconds: 60 });
    const waiting = advance(spec, startRollout(spec, '1', at(0)), [], at(0)).status;
    const { status, actions } = applyCommand(spec, waiting, 'promote', at(5), warm('1', '2'));
    expect(status).toMatchObject({
      phase: 'Healthy',
      weight: 100,
      serving: '2',
      promotedAt: at(5).toISOString(),
      scaleDownAt: at(65).toISOString(),
    });
    expect(actions.serving).toBe('2');
    expect(actions.traffic).toBeNull();
    expect(messages(status)).toContain(
      `step 1: promoted: all traffic on version 2; version 1 stays the instant-rollback target until ${at(65).toISOString()}`,
    );
  });

  it('auto-promotes after autoPromotionSeconds once the pre-promotion analysis succeeded', () => {
    const spec = specOf({ autoPromotionSeconds: 10, prePromotionAnalysis: { metrics: [successRate] } });
    const start = advance(spec, startRollout(spec, '1', at(0)), [], at(0)).status;
    expect(start).toMatchObject({ phase: 'Progressing', step: 0, weight: 0 });
    const analysed = run(spec, start, () => ({ value: 1 }), { from: 1, until: (s) => s.step === 1 });
    expect(analysed).toMatchObject({ phase: 'Progressing', weight: 0, serving: '1' });
    const analysedAt = Date.parse(analysed.stepStartedAt);
    const promoted = run(spec, analysed, () => ({ value: 1 }), {
      from: (analysedAt - T0) / 1000,
      until: (s) => s.serving === '2',
    });
    expect(Date.parse(promoted.promotedAt!) - analysedAt).toBe(10_000);
    expect(promoted).toMatchObject({ phase: 'Healthy', weight: 100 });
    expect(messages(promoted)).toEqual(
      expect.arrayContaining(['step 0: pre-promotion analysis successful', 'step 1: auto-promotion after 10s']),
    );
  });

  it('aborts (Degraded) when the pre-promotion analysis fails, the candidate never having taken traffic', () => {
    const spec = specOf({ autoPromotionSeconds: 0, prePromotionAnalysis: { metrics: [successRate] } });
    const status = run(spec, startRollout(spec, '1', at(0)), () => ({ value: 0.5 }));
    expect(status).toMatchObject({ phase: 'Degraded', weight: 0, serving: '1' });
    expect(status.reason).toMatch(/^step 0: pre-promotion analysis failed: success-rate failed/);
    expect(status.promotedAt).toBeUndefined();
  });

  it('pauses with the reason when the pre-promotion analysis is inconclusive, and resume analyses again', () => {
    const spec = specOf({ prePromotionAnalysis: { metrics: [successRate] } });
    const paused = run(spec, startRollout(spec, '1', at(0)), () => ({ inconclusive: 'no requests reached version 2' }));
    expect(paused).toMatchObject({ phase: 'Paused', step: 0, weight: 0, serving: '1' });
    expect(paused.reason).toMatch(/^step 0: pre-promotion analysis inconclusive: success-rate inconclusive/);
    const resumed = applyCommand(spec, paused, 'resume', at(40)).status;
    expect(resumed).toMatchObject({ phase: 'Progressing', step: 0 });
    expect(resumed.analysis?.startedAt).toBe(at(40).toISOString());
  });

  it('runs the post-promotion analysis on all traffic and rolls back to stable by itself when it fails', () => {
    const spec = specOf({ postPromotionAnalysis: { metrics: [successRate] } });
    const waiting = advance(spec, startRollout(spec, '1', at(0)), [], at(0)).status;
    const promoted = applyCommand(spec, waiting, 'promote', at(1), warm('1', '2'));
    expect(promoted.status).toMatchObject({ phase: 'Progressing', step: 2, weight: 100, serving: '2' });
    expect(promoted.actions.traffic).toMatchObject({ weight: 100 });
    const failed = run(spec, promoted.status, () => ({ value: 0.2 }), { from: 2 });
    expect(failed).toMatchObject({ phase: 'Degraded', weight: 0, serving: '1' });
    expect(failed.reason).toMatch(/^step 2: post-promotion analysis failed: success-rate failed/);
    expect(advance(spec, failed, [], at(60)).actions).toMatchObject({ traffic: null, serving: '1' });
  });

  it('is Healthy when the post-promotion analysis succeeds', () => {
    const spec = specOf({ postPromotionAnalysis: { metrics: [successRate] } });
    const waiting = advance(spec, startRollout(spec, '1', at(0)), [], at(0)).status;
    const promoted = applyCommand(spec, waiting, 'promote', at(1)).status;
    const healthy = run(spec, promoted, () => ({ value: 1 }), { from: 2 });
    expect(healthy).toMatchObject({ phase: 'Healthy', serving: '2' });
    expect(messages(healthy)).toContain('step 2: post-promotion analysis successful');
  });

  it('switches only to a warm candidate: a cold one waits, Progressing with the reason, until it is ready', () => {
    const spec = specOf({ autoPromotionSeconds: 0 });
    const cold = advance(spec, startRollout(spec, '1', at(0)), [], at(0), warm('1')).status;
    expect(cold).toMatchObject({ phase: 'Progressing', step: 1, weight: 0, serving: '1' });
    expect(cold.reason).toBe('waiting for version 2 to be ready on an inference replica before switching');
    expect(advance(spec, cold, [], at(1), warm('1')).status.history).toHaveLength(cold.history.length);
    expect(advance(spec, cold, [], at(2), warm('1', '2')).status).toMatchObject({ phase: 'Healthy', serving: '2' });
  });

  it('undoes at once within the scale-down window, and refuses after it, saying what to do instead', () => {
    const spec = specOf({ scaleDownDelaySeconds: 30 });
    const waiting = advance(spec, startRollout(spec, '1', at(0)), [], at(0)).status;
    const healthy = applyCommand(spec, waiting, 'promote', at(10)).status;

    const undone = applyCommand(spec, healthy, 'undo', at(39), warm('1', '2'));
    expect(undone.status).toMatchObject({ phase: 'Degraded', serving: '1' });
    expect(undone.actions.serving).toBe('1');

    expect(() => applyCommand(spec, healthy, 'undo', at(41))).toThrow(
      /scale-down window ended at 2026-01-01T00:00:40.000Z: .*apply a new rollout with candidate 1, or serve it with aviary models serve flight-delay 1/,
    );
    expect(() => applyCommand(spec, healthy, 'undo', at(20), warm('2'))).toThrow(
      /version 1 is not ready on any inference replica/,
    );
  });

  it('promotes --full straight to Healthy, still switching (and so starting the scale-down window)', () => {
    const spec = specOf({ postPromotionAnalysis: { metrics: [successRate] } });
    const waiting = advance(spec, startRollout(spec, '1', at(0)), [], at(0)).status;
    const { status } = applyCommand(spec, waiting, 'promote-full', at(3));
    expect(status).toMatchObject({ phase: 'Healthy', serving: '2', scaleDownAt: at(33).toISOString() });
  });
});

describe('the blue/green status view', () => {
  const stored = (spec: RolloutSpec, status: RolloutStatus) => ({ document: spec.document, status });

  it('shows the active and preview versions and the seconds left to auto-promotion', () => {
    const spec = specOf({ autoPromotionSeconds: 30 });
    const status = advance(spec, startRollout(spec, '1', at(0)), [], at(0)).status;
    const view = formatRollout(stored(spec, status), at(12));
    expect(view).toMatch(
      /active 1 {2}· {2}preview 2 \(header x-canary in yes\) {2}· {2}serving 1 {2}· {2}auto-promotion in 18s/,
    );
    expect(view).toMatch(/▶ 0\. auto-promotion after 30s/);
  });

  it('shows until when undo switches back at once, and when that window has ended', () => {
    const spec = specOf({ scaleDownDelaySeconds: 30 });
    const waiting = advance(spec, startRollout(spec, '1', at(0)), [], at(0)).status;
    const healthy = applyCommand(spec, waiting, 'promote', at(10)).status;
    expect(formatRollout(stored(spec, healthy), at(20))).toMatch(
      /active 2 100% {2}· {2}previous 1 {2}· {2}serving 2 {2}· {2}instant rollback \(undo\) until 2026-01-01T00:00:40.000Z \(20s left\)/,
    );
    expect(formatRollout(stored(spec, healthy), at(50))).toMatch(/scale-down window ended at 2026-01-01T00:00:40.000Z/);
  });
});
