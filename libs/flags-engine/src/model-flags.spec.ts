import { FlagSet } from './flag-set';
import { FlagResolution, routeModel, routeModelThroughLayers } from './model-flags';

const setOf = (flags: object) => FlagSet.parse(JSON.stringify({ flags }));

const abTest = {
  'model.flight-delay': {
    state: 'ENABLED',
    variants: { control: '1', challenger: '2' },
    defaultVariant: 'control',
    targeting: {
      if: [
        { '==': [{ var: 'tier' }, 'beta'] },
        'challenger',
        { fractional: [{ var: 'targetingKey' }, ['control', 50], ['challenger', 50]] },
      ],
    },
  },
};

describe('routeModel', () => {
  it('leaves a model without flags (or without a set) to its serving pointer', () => {
    expect(routeModel(undefined, 'iris', {})).toEqual({ kind: 'serving' });
    expect(routeModel(setOf(abTest), 'iris', { targetingKey: 'u1' })).toEqual({ kind: 'serving' });
  });

  it('sends a targeting rule’s users to their variant and splits the rest by targeting key, stickily', () => {
    const set = setOf(abTest);
    expect(routeModel(set, 'flight-delay', { targetingKey: 'u1', tier: 'beta' })).toEqual({
      kind: 'version',
      version: '2',
      variant: 'challenger',
    });
    const picks = new Map<string, number>();
    for (let i = 0; i < 2000; i++) {
      const route = routeModel(set, 'flight-delay', { targetingKey: `user-${i}` });
      if (route.kind !== 'version') throw new Error(`expected a version, got ${route.kind}`);
      picks.set(route.variant, (picks.get(route.variant) ?? 0) + 1);
      expect(routeModel(set, 'flight-delay', { targetingKey: `user-${i}` })).toEqual(route);
    }
    expect(picks.get('control')).toBeGreaterThan(850);
    expect(picks.get('challenger')).toBeGreaterThan(850);
  });

  it('falls back to the serving pointer when the version flag picks no variant or cannot be evaluated', () => {
    const disabled = setOf({ 'model.iris': { ...abTest['model.flight-delay'], state: 'DISABLED' } });
    expect(routeModel(disabled, 'iris', { targetingKey: 'u1' })).toEqual({ kind: 'serving' });
    const notStrings = setOf({ 'model.iris': { state: 'ENABLED', variants: { a: 1, b: 2 }, defaultVariant: 'a' } });
    const seen: FlagResolution[] = [];
    expect(routeModel(notStrings, 'iris', {}, (r) => seen.push(r))).toEqual({ kind: 'serving' });
    expect(seen).toEqual([expect.objectContaining({ flag: 'model.iris', errorCode: 'TYPE_MISMATCH' })]);
  });

  it('turns a model off for the contexts its kill switch is off for, with the fallback version it names', () => {
    const set = setOf({
      ...abTest,
      'model.flight-delay.enabled': {
        state: 'ENABLED',
        variants: { on: true, off: false },
        defaultVariant: 'on',
        targeting: { if: [{ '==': [{ var: 'region' }, 'eu'] }, 'off'] },
        metadata: { fallbackVersion: '1' },
      },
      'model.iris.enabled': { state: 'ENABLED', variants: { on: true, off: false }, defaultVariant: 'off' },
    });
    expect(routeModel(set, 'flight-delay', { targetingKey: 'u1', region: 'eu' })).toEqual({
      kind: 'off',
      flag: 'model.flight-delay.enabled',
      fallbackVersion: '1',
    });
    expect(routeModel(set, 'flight-delay', { targetingKey: 'u1', region: 'us', tier: 'beta' })).toMatchObject({
      kind: 'version',
      version: '2',
    });
    expect(routeModel(set, 'iris', {})).toEqual({ kind: 'off', flag: 'model.iris.enabled' });
  });

  it('reports every resolution it made, so evaluations can be counted per flag and variant', () => {
    const seen: FlagResolution[] = [];
    routeModel(setOf(abTest), 'flight-delay', { targetingKey: 'u1', tier: 'beta' }, (r) => seen.push(r));
    expect(seen).toEqual([{ flag: 'model.flight-delay', variant: 'challenger', reason: 'TARGETING_MATCH' }]);
  });
});

describe('routeModelThroughLayers', () => {
  const rollout = setOf({
    'model.flight-delay': {
      state: 'ENABLED',
      variants: { stable: '1', canary: '3' },
      defaultVariant: 'stable',
      targeting: { fractional: [{ var: 'targetingKey' }, ['stable', 0], ['canary', 100]] },
    },
  });
  const route = (operator: FlagSet | undefined, context: Record<string, unknown>) =>
    routeModelThroughLayers({ operator, rollout, model: 'flight-delay', context, keyless: () => 'random-key' });

  it('lets an operator flag that picks a variant win over the rollout', () => {
    expect(route(setOf(abTest), { targetingKey: 'u1', tier: 'beta' })).toMatchObject({
      version: '2',
      layer: 'operator',
    });
  });

  it('takes the rollout flag when the operator set has no version flag or it picks nothing', () => {
    const picksNothing = setOf({
      'model.flight-delay': { state: 'ENABLED', variants: { a: '2' }, defaultVariant: null, targeting: {} },
    });
    for (const operator of [undefined, setOf({}), picksNothing])
      expect(route(operator, { targetingKey: 'u1' })).toMatchObject({
        version: '3',
        variant: 'canary',
        layer: 'rollout',
      });
  });

  it('splits a request without a targeting key by a key of its own', () => {
    expect(route(undefined, {})).toMatchObject({ version: '3', layer: 'rollout' });
  });

  it('leaves the model to its serving pointer without either flag', () => {
    expect(
      routeModelThroughLayers({
        operator: undefined,
        rollout: undefined,
        model: 'iris',
        context: {},
        keyless: () => 'k',
      }),
    ).toEqual({ kind: 'serving' });
  });
});
