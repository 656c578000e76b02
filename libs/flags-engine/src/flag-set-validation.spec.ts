import { findFlagSetProblems, formatProblem } from './flag-set-validation';
import { FlagSet, validateFlagSet } from './flag-set';

const good = { state: 'ENABLED', variants: { on: true, off: false }, defaultVariant: 'off' };

const brokenEverywhere = {
  flags: {
    fine: good,
    'unknown-operator': { ...good, targeting: { if: [{ nope: [1] }, 'on', 'off'] } },
    'missing-evaluator': { ...good, targeting: { if: [{ $ref: 'isStaff' }, 'on', 'off'] } },
    'bad-default': { ...good, defaultVariant: 'maybe' },
    mixed: { state: 'ENABLED', variants: { a: 'x', b: 1 }, defaultVariant: 'a' },
    'bad-state': { ...good, state: 'ON' },
    'wrong-arity': { ...good, targeting: { if: [{ '==': [1] }, 'on', 'off'] } },
  },
};

describe('findFlagSetProblems', () => {
  it('lists every problem of every flag, each with its flag key and JSON pointer', () => {
    const problems = findFlagSetProblems(JSON.stringify(brokenEverywhere));
    expect(problems).toEqual([
      {
        flag: 'unknown-operator',
        path: '/flags/unknown-operator/targeting/if/0',
        message: expect.stringContaining('"nope"'),
      },
      {
        flag: 'missing-evaluator',
        path: '/flags/missing-evaluator/targeting/if/0',
        message: '$ref "isStaff" names no entry of $evaluators',
      },
      {
        flag: 'bad-default',
        path: '/flags/bad-default/defaultVariant',
        message: 'default variant "maybe" is not one of the variants (on, off)',
      },
      {
        flag: 'mixed',
        path: '/flags/mixed/variants',
        message: expect.stringMatching(/mix types \(string: a; number: b\)/),
      },
      { flag: 'bad-state', path: '/flags/bad-state/state', message: 'state must be ENABLED or DISABLED, got "ON"' },
      {
        flag: 'wrong-arity',
        path: '/flags/wrong-arity/targeting/if/0/==',
        message: expect.stringContaining('fewer than 2 items'),
      },
    ]);
  });

  it('keeps, when lenient, only what flagd itself refuses to load (schema-only flags answer PARSE_ERROR)', () => {
    const problems = findFlagSetProblems(JSON.stringify(brokenEverywhere), { lenient: true });
    expect(problems.map((p) => p.flag)).toEqual(['bad-default', 'mixed', 'bad-state']);
    const schemaOnly = { flags: { fine: good, 'unknown-operator': brokenEverywhere.flags['unknown-operator'] } };
    const set = FlagSet.parse(JSON.stringify(schemaOnly), { lenient: true });
    expect(set.resolve('unknown-operator')).toMatchObject({ errorCode: 'PARSE_ERROR' });
  });

  it('reports JSON syntax and the document shape before anything else', () => {
    expect(findFlagSetProblems('{"flags": {')).toEqual([
      { path: '', message: expect.stringMatching(/^not valid JSON/) },
    ]);
    expect(findFlagSetProblems('[]')).toEqual([{ path: '', message: expect.stringContaining('"flags"') }]);
    expect(findFlagSetProblems('{"flags": []}')).toEqual([{ path: '/flags', message: expect.any(String) }]);
    expect(findFlagSetProblems('{"flags": {}, "$evaluators": 3}')).toEqual([
      { path: '/$evaluators', message: expect.any(String) },
    ]);
  });

  it('accepts a set whose $ref names an evaluator, and escapes keys in pointers', () => {
    const set = {
      flags: { 'a/b': { ...good, targeting: { if: [{ $ref: 'isStaff' }, 'on', 'off'] } } },
      $evaluators: { isStaff: { ends_with: [{ var: 'email' }, '@aviary.dev'] } },
    };
    expect(findFlagSetProblems(JSON.stringify(set))).toEqual([]);
    const broken = { flags: { 'a/b': { ...good, defaultVariant: 'x' } } };
    expect(findFlagSetProblems(JSON.stringify(broken))[0].path).toBe('/flags/a~1b/defaultVariant');
  });

  it('prints one problem per line as "flag  /path  message"', () => {
    expect(formatProblem({ flag: 'f', path: '/flags/f/state', message: 'bad' })).toBe('f  /flags/f/state  bad');
    expect(formatProblem({ path: '', message: 'not valid JSON' })).toBe('-  /  not valid JSON');
  });
});

describe('validateFlagSet', () => {
  it('is strict by default and answers the set when there is no problem', () => {
    const unknown = JSON.stringify({ flags: { f: brokenEverywhere.flags['unknown-operator'] } });
    expect(validateFlagSet(unknown)).toMatchObject({ ok: false, problems: [{ flag: 'f' }] });
    expect(validateFlagSet(unknown, { lenient: true })).toMatchObject({ ok: true });
    const result = validateFlagSet(JSON.stringify({ flags: { fine: good } }));
    expect(result.ok && result.set.keys()).toEqual(['fine']);
  });
});
