import { FlagSet } from './flag-set';
import { rejection } from '@aviary/testing';

const document = {
  $schema: 'https://flagd.dev/schema/v0/flags.json',
  flags: {
    'new-checkout': { state: 'ENABLED', variants: { on: true, off: false }, defaultVariant: 'off' },
    'model-version': {
      state: 'ENABLED',
      variants: { stable: '1', canary: '2' },
      defaultVariant: 'stable',
      targeting: {
        fractional: [{ cat: [{ var: '$flagd.flagKey' }, { var: 'targetingKey' }] }, ['stable', 80], ['canary', 20]],
      },
    },
    'all-canary': {
      state: 'ENABLED',
      variants: { stable: '1', canary: '2' },
      defaultVariant: 'stable',
      targeting: {
        fractional: [
          ['stable', 0],
          ['canary', 100],
        ],
      },
    },
    'modern-clients': {
      state: 'ENABLED',
      variants: { on: true, off: false },
      defaultVariant: 'off',
      targeting: { if: [{ sem_ver: [{ var: 'appVersion' }, '>=', '2.1.0'] }, 'on', 'off'] },
    },
    'staff-only': {
      state: 'ENABLED',
      variants: { on: true, off: false },
      defaultVariant: 'off',
      targeting: { if: [{ $ref: 'isStaff' }, 'on', 'off'] },
    },
    'admin-tools': {
      state: 'ENABLED',
      variants: { on: true, off: false },
      defaultVariant: 'off',
      targeting: { if: [{ starts_with: [{ var: 'userId' }, 'admin-'] }, 'on', null] },
    },
    'batch-size': { state: 'ENABLED', variants: { small: 8, large: 64 }, defaultVariant: 'large' },
    thresholds: { state: 'ENABLED', variants: { strict: { min: 0.9 }, loose: { min: 0.5 } }, defaultVariant: 'loose' },
    'retired-feature': { state: 'DISABLED', variants: { on: true, off: false }, defaultVariant: 'on' },
    'broken-targeting': {
      state: 'ENABLED',
      variants: { on: true, off: false },
      defaultVariant: 'off',
      targeting: { if: [true, 'purple', 'off'] },
    },
  },
  $evaluators: { isStaff: { ends_with: [{ var: 'email' }, '@aviary.dev'] } },
};

const flags = FlagSet.parse(JSON.stringify(document));

const flagDocument = (flag: Record<string, unknown>) =>
  JSON.stringify({
    flags: { f: { state: 'ENABLED', variants: { on: true, off: false }, defaultVariant: 'off', ...flag } },
  });

describe('FlagSet.parse', () => {
  it('reads every flag of a flagd document and keeps the source', () => {
    expect(flags.keys().sort()).toEqual(Object.keys(document.flags).sort());
    expect(JSON.parse(flags.source)).toEqual(document);
  });

  it('rejects a document that is not JSON', () => {
    const error = rejection(() => FlagSet.parse('{"flags": {'));
    expect(error.code).toBe('INVALID_ARGUMENT');
    expect(error.message).toMatch(/^invalid flag set: /);
  });

  it('rejects a default variant that is not among the variants, saying which', () => {
    const error = rejection(() => FlagSet.parse(flagDocument({ defaultVariant: 'maybe' })));
    expect(error.code).toBe('INVALID_ARGUMENT');
    expect(error.message).toContain('maybe');
  });

  it('rejects a flag state other than ENABLED or DISABLED', () => {
    expect(rejection(() => FlagSet.parse(flagDocument({ state: 'ON' }))).code).toBe('INVALID_ARGUMENT');
  });

  it.each<[string, string]>([
    ['variants of mixed types', flagDocument({ variants: { on: true, off: 'no' } })],
    ['variants that are not an object', flagDocument({ variants: [true, false] })],
    ['a document without "flags"', JSON.stringify({ flag: {} })],
  ])('rejects a document with %s as a whole', (_case, source) => {
    expect(rejection(() => FlagSet.parse(source)).code).toBe('INVALID_ARGUMENT');
  });
});

describe('FlagSet.resolve', () => {
  it('loads a flag whose targeting uses an unknown operator and answers PARSE_ERROR for it, as flagd does', () => {
    const set = FlagSet.parse(flagDocument({ targeting: { bogus_op: [1, 2] } }));
    expect(set.resolve('f')).toMatchObject({ errorCode: 'PARSE_ERROR' });
  });

  it('answers FLAG_NOT_FOUND for a flag the set does not define', () => {
    expect(flags.resolve('no-such-flag')).toMatchObject({ errorCode: 'FLAG_NOT_FOUND' });
  });
});

describe('FlagSet.evaluate', () => {
  it('answers a flag without targeting with its default variant, statically', () => {
    expect(flags.evaluate('new-checkout')).toEqual({
      key: 'new-checkout',
      value: false,
      variant: 'off',
      reason: 'STATIC',
    });
  });

  it('infers number and object flag types from their variants', () => {
    expect(flags.evaluate('batch-size')).toMatchObject({ value: 64, variant: 'large' });
    expect(flags.evaluate('thresholds')).toMatchObject({ value: { min: 0.5 }, variant: 'loose' });
  });

  it('splits targeting keys by fraction, giving each key the same variant every time', () => {
    const variants = Array.from(
      { length: 1000 },
      (_, i) => flags.evaluate('model-version', { targetingKey: `user-${i}` }).variant,
    );
    const canary = variants.filter((v) => v === 'canary').length;
    // 20% of 1000 keys, with a generous allowance for hashing.
    expect(canary).toBeGreaterThan(120);
    expect(canary).toBeLessThan(280);
    expect(flags.evaluate('model-version', { targetingKey: 'user-7' }).variant).toBe(variants[7]);
    expect(flags.evaluate('model-version', { targetingKey: 'user-7' }).reason).toBe('TARGETING_MATCH');
  });

  it('sends every key to a variant that holds 100% of the split', () => {
    for (const key of ['a', 'b', 'c', 'd']) expect(flags.evaluate('all-canary', { targetingKey: key }).value).toBe('2');
  });

  it('compares semantic versions with sem_ver', () => {
    expect(flags.evaluate('modern-clients', { appVersion: '2.1.0' }).value).toBe(true);
    expect(flags.evaluate('modern-clients', { appVersion: '2.10.3' }).value).toBe(true);
    expect(flags.evaluate('modern-clients', { appVersion: '2.0.9' }).value).toBe(false);
  });

  it('resolves $ref to a shared $evaluators rule (ends_with)', () => {
    expect(flags.evaluate('staff-only', { email: 'ana@aviary.dev' }).value).toBe(true);
    expect(flags.evaluate('staff-only', { email: 'ana@example.com' }).value).toBe(false);
  });

  it('matches prefixes with starts_with and falls back to the default variant when targeting returns null', () => {
    expect(flags.evaluate('admin-tools', { userId: 'admin-42' })).toMatchObject({
      value: true,
      reason: 'TARGETING_MATCH',
    });
    expect(flags.evaluate('admin-tools', { userId: 'user-42' })).toMatchObject({
      value: false,
      variant: 'off',
      reason: 'DEFAULT',
    });
  });

  it('answers a disabled flag with reason DISABLED and no variant', () => {
    const result = flags.evaluate('retired-feature');
    expect(result.reason).toBe('DISABLED');
    expect(result.variant).toBeUndefined();
  });

  it('answers NOT_FOUND for a flag the set does not define', () => {
    const error = rejection(() => flags.evaluate('no-such-flag'));
    expect(error.code).toBe('NOT_FOUND');
    expect(error.message).toBe('flag "no-such-flag" is not defined');
  });

  it('rejects a type that does not match the flag', () => {
    const error = rejection(() => flags.evaluate('new-checkout', {}, 'string'));
    expect(error.code).toBe('INVALID_ARGUMENT');
    expect(error.message).toContain('flag "new-checkout"');
    expect(error.message).toContain('Expected string, got boolean');
  });

  it('reports targeting that picks a variant the flag does not have', () => {
    const error = rejection(() => flags.evaluate('broken-targeting'));
    expect(error.message).toContain('flag "broken-targeting"');
    expect(error.message).toContain('purple');
  });
});
