import { evaluateToggles } from './feature-toggles';
import { FlagSet } from './flag-set';

const set = FlagSet.parse(
  JSON.stringify({
    flags: {
      'feature.route': {
        state: 'ENABLED',
        variants: { on: true, off: false },
        defaultVariant: 'on',
        targeting: { if: [{ '==': [{ var: 'targetingKey' }, 'beta'] }, 'off', 'on'] },
      },
      'feature.paused': { state: 'DISABLED', variants: { on: true, off: false }, defaultVariant: 'off' },
      'feature.unset': { state: 'ENABLED', variants: { on: true, off: false }, targeting: { if: [false, 'off'] } },
      'feature.colour': { state: 'ENABLED', variants: { red: 'red' }, defaultVariant: 'red' },
    },
  }),
);
const stored = { name: 'default', set, revision: 1 };

describe('evaluateToggles', () => {
  it('turns a feature off only where its flag answers false for the context', () => {
    expect(evaluateToggles(stored, ['feature.route'], { targetingKey: 'beta' })).toEqual([
      { flag: 'feature.route', enabled: false, reason: 'TARGETING_MATCH', failedOpen: false },
    ]);
    expect(evaluateToggles(stored, ['feature.route'], { targetingKey: 'ana' })).toEqual([
      { flag: 'feature.route', enabled: true, reason: 'TARGETING_MATCH', failedOpen: false },
    ]);
  });

  it('leaves the feature on when the flag resolves to no variant: disabled, or a targeting result of null', () => {
    expect(evaluateToggles(stored, ['feature.paused', 'feature.unset'], {})).toEqual([
      expect.objectContaining({ flag: 'feature.paused', enabled: true, failedOpen: false }),
      expect.objectContaining({ flag: 'feature.unset', enabled: true, failedOpen: false }),
    ]);
  });

  it('fails open on a missing flag, a flag that is not boolean, and a missing or broken set', () => {
    expect(evaluateToggles(stored, ['feature.nope', 'feature.colour'], {})).toEqual([
      { flag: 'feature.nope', enabled: true, reason: 'FLAG_NOT_FOUND', failedOpen: true },
      { flag: 'feature.colour', enabled: true, reason: 'TYPE_MISMATCH', failedOpen: true },
    ]);
    expect(evaluateToggles({ missing: 'flag set "default" does not exist' }, ['feature.route'], {})).toEqual([
      { flag: 'feature.route', enabled: true, reason: 'FLAG_SET_MISSING', failedOpen: true },
    ]);
    expect(evaluateToggles({ broken: 'flag set "default": invalid' }, ['feature.route'], {})).toEqual([
      { flag: 'feature.route', enabled: true, reason: 'FLAG_SET_INVALID', failedOpen: true },
    ]);
  });
});
