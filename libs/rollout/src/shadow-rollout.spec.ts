import { FlagSet, routeModel } from '@aviary/flags-engine';
import { modelShadowFlag, shadowSettingsSchema } from '@aviary/contracts';
import { parseRolloutDocument, RolloutSpec } from './rollout-document';
import { advance, applyCommand, dueMeasurements, RolloutStatus, startRollout } from './rollout-machine';
import { rolloutFlagDocument } from './traffic-flag';

const T0 = Date.parse('2026-01-01T00:00:00Z');
const at = (seconds: number) => new Date(T0 + seconds * 1000);

const agreement = {
  name: 'shadow-agreement',
  provider: 'builtin',
  interval: '1s',
  count: 2,
  successCondition: 'result >= 0.9',
};
const shadowDocument = (shadow: object) => ({ model: 'flight-delay', candidate: '2', strategy: { shadow } });
const shadowSpec = (extra: object = {}) =>
  parseRolloutDocument(shadowDocument({ percent: 10, steps: [{ analysis: { metrics: [agreement] } }], ...extra }));

/** Ticks each second, answering every due measurement with `value`, until the rollout leaves Progressing. */
function run(spec: RolloutSpec, status: RolloutStatus, value: number): RolloutStatus {
  for (let t = 0; t < 30 && status.phase === 'Progressing'; t++) {
    const inputs = dueMeasurements(spec, status, at(t)).map((d) => ({
      step: d.step,
      runStartedAt: d.runStartedAt,
      metric: d.metric.name,
      reading: t,
      ...(!d.prime && { result: { value } }),
    }));
    status = advance(spec, status, inputs, at(t)).status;
  }
  return status;
}

describe('the shadow strategy', () => {
  it('mirrors the share asked with no version flag, so every response still comes from stable', () => {
    const spec = shadowSpec();
    const { actions } = advance(spec, startRollout(spec, '1', at(0)), [], at(0));
    expect(actions.traffic).toEqual({
      stable: '1',
      canary: '2',
      weight: 0,
      match: [],
      shadow: { percent: 10 },
      versionFlag: false,
    });
    const set = FlagSet.parse(rolloutFlagDocument(new Map([['flight-delay', actions.traffic!]])));
    expect(routeModel(set, 'flight-delay', { targetingKey: 'k' })).toEqual({ kind: 'serving' });
    const mirrored = set.resolve(modelShadowFlag('flight-delay'), { targetingKey: 'k' }, 'object');
    expect(shadowSettingsSchema.parse(mirrored.value)).toEqual({ version: '2', percent: 10 });
  });

  it('with promote: manual (the default) waits for promote once the analysis passes, then serves the candidate', () => {
    const spec = shadowSpec();
    const paused = run(spec, startRollout(spec, '1', at(0)), 0.97);
    expect(paused).toMatchObject({ phase: 'Paused', step: 1, serving: '1', reason: 'step 1: paused until promoted' });
    const { status, actions } = applyCommand(spec, paused, 'promote', at(40));
    expect(status).toMatchObject({ phase: 'Healthy', serving: '2' });
    expect(actions.traffic).toBeNull();
  });

  it('with promote: auto serves the candidate as soon as the analysis passes', () => {
    const spec = shadowSpec({ promote: 'auto' });
    expect(run(spec, startRollout(spec, '1', at(0)), 0.97)).toMatchObject({ phase: 'Healthy', serving: '2' });
  });

  it('aborts when the agreement fails, and stops mirroring', () => {
    const spec = shadowSpec({ promote: 'auto' });
    const status = run(spec, startRollout(spec, '1', at(0)), 0.5);
    expect(status).toMatchObject({ phase: 'Degraded', serving: '1' });
    expect(status.reason).toMatch(/^step 0: analysis failed: shadow-agreement failed/);
    expect(advance(spec, status, [], at(60)).actions.traffic).toBeNull();
  });

  it('lets a canary mirror while it runs: the version flag splits, the shadow flag mirrors stable’s requests', () => {
    const spec = parseRolloutDocument({
      model: 'flight-delay',
      candidate: '2',
      strategy: { canary: { steps: [{ setWeight: 50 }, { pause: {} }], shadow: { percent: 10 } } },
    });
    const { actions } = advance(spec, startRollout(spec, '1', at(0)), [], at(0));
    expect(actions.traffic).toEqual({ stable: '1', canary: '2', weight: 50, match: [], shadow: { percent: 10 } });
    const flags = JSON.parse(rolloutFlagDocument(new Map([['flight-delay', actions.traffic!]]))).flags;
    expect(Object.keys(flags)).toEqual(['model.flight-delay', 'model.flight-delay.shadow']);
  });
});
