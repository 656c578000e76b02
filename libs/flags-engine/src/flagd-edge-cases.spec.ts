// flagd's documented semantics at the edges the conformance testbed leaves out. Each case is asked of raw flagd-core
// and of Aviary's two paths (FlagSet.resolve, the OFREP mapping), and pinned to flagd's documented answer too, so the
// test fails if Aviary diverges from flagd-core or flagd-core from its documentation.
import type { EvaluationContext, FlagValue, ResolutionDetails } from '@openfeature/core';
import { FlagdCore, MemoryStorage } from '@openfeature/flagd-core';
import { FlagSet, FlagType } from './flag-set';
import { evaluateOfrepFlag } from './ofrep';

const silent = { error: () => undefined, warn: () => undefined, info: () => undefined, debug: () => undefined };
const ab = { a: 'a', b: 'b' };

const source = JSON.stringify({
  flags: {
    'null-rule': {
      state: 'ENABLED',
      variants: { on: true, off: false },
      defaultVariant: 'off',
      targeting: { if: [{ '==': [{ var: 'tier' }, 'gold'] }, 'on', null] },
    },
    'unknown-variant': {
      state: 'ENABLED',
      variants: { on: true, off: false },
      defaultVariant: 'off',
      targeting: { if: [{ '==': [{ var: 'tier' }, 'gold'] }, 'platinum', 'on'] },
    },
    'all-zero': {
      state: 'ENABLED',
      variants: ab,
      defaultVariant: 'a',
      targeting: {
        fractional: [
          ['a', 0],
          ['b', 0],
        ],
      },
    },
    'some-zero': {
      state: 'ENABLED',
      variants: { ...ab, c: 'c' },
      defaultVariant: 'a',
      targeting: {
        fractional: [
          ['a', 0],
          ['b', 50],
          ['c', 50],
        ],
      },
    },
    'seeded-by-attribute': {
      state: 'ENABLED',
      variants: ab,
      defaultVariant: 'a',
      targeting: { fractional: [{ var: 'account' }, ['a', 50], ['b', 50]] },
    },
    'by-targeting-key': {
      state: 'ENABLED',
      variants: ab,
      defaultVariant: 'a',
      targeting: {
        fractional: [
          ['a', 50],
          ['b', 50],
        ],
      },
    },
    'one-to-three': {
      state: 'ENABLED',
      variants: ab,
      defaultVariant: 'a',
      targeting: {
        fractional: [
          ['a', 1],
          ['b', 3],
        ],
      },
    },
  },
});

const storage = new MemoryStorage(silent);
storage.setConfigurations(source, false);
const flagdCore = new FlagdCore(storage, silent);
const set = FlagSet.parse(source);

/** flagd-core's own answer and Aviary's, which must be the same, before the case pins the documented value. */
function resolved(key: string, type: FlagType, context: EvaluationContext): ResolutionDetails<FlagValue> {
  const defaults = { boolean: false, string: '', number: 0, object: {} };
  const expected = flagdCore.resolve(type, key, defaults[type], context, silent);
  const actual = set.resolve(key, context);
  expect(actual).toEqual(expected);
  return actual;
}

const keys = (n: number) => Array.from({ length: n }, (_, i) => `user-${i}`);

describe('flagd edge cases, as flagd-core answers them', () => {
  it('falls back to the default variant with reason DEFAULT when the targeting rule returns null', () => {
    expect(resolved('null-rule', 'boolean', { tier: 'silver' })).toMatchObject({
      value: false,
      variant: 'off',
      reason: 'DEFAULT',
    });
    expect(evaluateOfrepFlag({ set }, 'null-rule', { tier: 'silver' })).toEqual({
      key: 'null-rule',
      value: false,
      variant: 'off',
      reason: 'DEFAULT',
      metadata: {},
    });
    expect(resolved('null-rule', 'boolean', { tier: 'gold' })).toMatchObject({
      value: true,
      reason: 'TARGETING_MATCH',
    });
  });

  it('answers an error GENERAL when the rule names a variant the flag lacks', () => {
    const result = resolved('unknown-variant', 'boolean', { tier: 'gold' });
    expect(result).toMatchObject({ reason: 'ERROR', errorCode: 'GENERAL' });
    expect(result.errorMessage).toContain('platinum');
    expect(evaluateOfrepFlag({ set }, 'unknown-variant', { tier: 'gold' })).toEqual({
      key: 'unknown-variant',
      errorCode: 'GENERAL',
      errorDetails: expect.stringContaining('platinum'),
    });
    // The other branch names a variant that exists: the flag is not broken as a whole.
    expect(resolved('unknown-variant', 'boolean', { tier: 'silver' })).toMatchObject({ value: true, variant: 'on' });
  });

  it('answers the default variant (DEFAULT) for every key when all fractional weights are zero', () => {
    for (const targetingKey of keys(200)) {
      expect(resolved('all-zero', 'string', { targetingKey })).toMatchObject({
        value: 'a',
        variant: 'a',
        reason: 'DEFAULT',
      });
    }
  });

  it('never picks a zero-weight variant and splits the rest by their weights', () => {
    const counts: Record<string, number> = { a: 0, b: 0, c: 0 };
    for (const targetingKey of keys(2000)) {
      const result = resolved('some-zero', 'string', { targetingKey });
      expect(result.reason).toBe('TARGETING_MATCH');
      counts[result.variant as string]++;
    }
    expect(counts.a).toBe(0);
    expect(counts.b / 2000).toBeGreaterThan(0.45);
    expect(counts.c / 2000).toBeGreaterThan(0.45);
  });

  it('buckets only by a string: a number, boolean or missing seed value falls back to the default variant', () => {
    const contexts: EvaluationContext[] = [{ account: 42 }, { account: true }, { account: null }, {}];
    for (const context of contexts) {
      expect(resolved('seeded-by-attribute', 'string', context)).toMatchObject({ variant: 'a', reason: 'DEFAULT' });
    }
    // The same digits as a string are bucketed (and land on b: the pin shows the number was not).
    expect(resolved('seeded-by-attribute', 'string', { account: '42' })).toMatchObject({
      variant: 'b',
      reason: 'TARGETING_MATCH',
    });
  });

  it('treats an empty targeting key as none: fractional falls back to the default variant', () => {
    expect(resolved('by-targeting-key', 'string', { targetingKey: '' })).toMatchObject({
      variant: 'a',
      reason: 'DEFAULT',
    });
    expect(resolved('by-targeting-key', 'string', {})).toMatchObject({ variant: 'a', reason: 'DEFAULT' });
    expect(evaluateOfrepFlag({ set }, 'by-targeting-key', { targetingKey: '' })).toMatchObject({
      value: 'a',
      reason: 'DEFAULT',
    });
  });

  it('reads weights that do not sum to 100 as relative shares (1:3 is 25 % / 75 %)', () => {
    const n = 4000;
    let a = 0;
    for (const targetingKey of keys(n)) {
      const result = resolved('one-to-three', 'string', { targetingKey });
      expect(result.reason).toBe('TARGETING_MATCH');
      if (result.variant === 'a') a++;
    }
    expect(a / n).toBeGreaterThan(0.22);
    expect(a / n).toBeLessThan(0.28);
  });
});
