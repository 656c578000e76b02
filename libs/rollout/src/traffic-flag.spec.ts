import { FlagSet, headersNamedBy, routeModel } from '@aviary/flags-engine';
import { rolloutFlagDocument, RolloutTraffic } from './traffic-flag';

const traffic = (weight: number, match: RolloutTraffic['match'] = []): RolloutTraffic => ({
  stable: '1',
  canary: '2',
  weight,
  match,
});
const setFor = (t: RolloutTraffic) => FlagSet.parse(rolloutFlagDocument(new Map([['flight-delay', t]])));
const versionOf = (set: FlagSet, context: Record<string, unknown>) => {
  const route = routeModel(set, 'flight-delay', context);
  return route.kind === 'version' ? route.version : route.kind;
};

const KEYS = Array.from({ length: 10_000 }, (_, i) => `user-${i}`);

describe('the rollout traffic flag', () => {
  it('keeps every one of 10,000 keys on one version while the weight holds, near the weight’s share', () => {
    const set = setFor(traffic(20));
    const first = KEYS.map((targetingKey) => versionOf(set, { targetingKey }));
    const again = KEYS.map((targetingKey) => versionOf(set, { targetingKey }));
    expect(again).toEqual(first);
    const canary = first.filter((v) => v === '2').length / KEYS.length;
    expect(canary).toBeGreaterThan(0.17);
    expect(canary).toBeLessThan(0.23);
  });

  it('only moves keys from stable to the canary as the weight grows', () => {
    let previous = KEYS.map(() => '1');
    for (const weight of [0, 5, 20, 50, 80, 100]) {
      const set = setFor(traffic(weight));
      const now = KEYS.map((targetingKey) => versionOf(set, { targetingKey }));
      const movedBack = now.filter((v, i) => previous[i] === '2' && v === '1');
      expect(movedBack).toHaveLength(0);
      if (weight === 0) expect(now.every((v) => v === '1')).toBe(true);
      if (weight === 100) expect(now.every((v) => v === '2')).toBe(true);
      previous = now;
    }
  });

  it('sends a matching context attribute to the canary whatever the weight', () => {
    const set = setFor(traffic(0, [{ attribute: 'tier', values: ['internal', 'staff'] }]));
    expect(versionOf(set, { targetingKey: 'u1', tier: 'staff' })).toBe('2');
    expect(versionOf(set, { targetingKey: 'u1', tier: 'public' })).toBe('1');
    expect(versionOf(set, { targetingKey: 'u1' })).toBe('1');
  });
});

describe('header match rules in the rollout traffic flag', () => {
  const set = setFor(traffic(0, [{ header: 'x-canary', values: ['yes'] }]));

  it('sends a request whose header (copied under $header) matches to the canary whatever the weight', () => {
    expect(versionOf(set, { targetingKey: 'u1', $header: { 'x-canary': 'yes' } })).toBe('2');
    expect(versionOf(set, { targetingKey: 'u1', $header: { 'x-canary': 'no' } })).toBe('1');
    expect(versionOf(set, { targetingKey: 'u1' })).toBe('1');
  });

  it('names the header, so the gateway knows to copy exactly that one', () => {
    expect(headersNamedBy(set)).toEqual(['x-canary']);
    expect(headersNamedBy(setFor(traffic(50, [{ attribute: 'tier', values: ['staff'] }])))).toEqual([]);
  });
});
