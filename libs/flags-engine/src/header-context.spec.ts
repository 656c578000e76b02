import type { EvaluationContext } from '@openfeature/core';
import { FlagSet } from './flag-set';
import { headersNamedBy, withHeaders } from './header-context';

const set = (targeting: object, extra: object = {}) =>
  FlagSet.parse(
    JSON.stringify({
      flags: { pick: { state: 'ENABLED', variants: { a: 'a', b: 'b' }, defaultVariant: 'a', targeting } },
      ...extra,
    }),
  );

describe('headersNamedBy', () => {
  it('finds every $header var of the set, lower-cased, once, in $evaluators too', () => {
    const found = headersNamedBy(
      set(
        { if: [{ and: [{ '==': [{ var: '$header.X-Beta' }, '1'] }, { $ref: 'canary' }] }, 'b', 'a'] },
        { $evaluators: { canary: { in: [{ var: ['$header.x-canary', 'none'] }, ['yes']] } } },
      ),
    );
    expect(found).toEqual(['x-beta', 'x-canary']);
  });

  it('finds none in a set whose rules read only context attributes', () => {
    expect(headersNamedBy(set({ if: [{ '==': [{ var: 'tier' }, 'staff'] }, 'b', 'a'] }))).toEqual([]);
    expect(headersNamedBy(undefined)).toEqual([]);
  });
});

describe('withHeaders', () => {
  const headers: Record<string, string> = { 'x-canary': 'yes', authorization: 'secret' };
  const lookup = (name: string) => headers[name];

  it('copies only the named headers, replacing a $header the body sent', () => {
    expect(
      withHeaders({ targetingKey: 'u', $header: { 'x-canary': 'forged' } }, ['x-canary', 'x-beta'], lookup),
    ).toEqual({ targetingKey: 'u', $header: { 'x-canary': 'yes' } });
  });

  it('answers the context itself when no flag names a header', () => {
    const context = { targetingKey: 'u' };
    expect(withHeaders(context, [], lookup)).toBe(context);
  });

  it('routes by the copied header through a real flag set', () => {
    const flags = set({ if: [{ in: [{ var: '$header.x-canary' }, ['yes']] }, 'b', 'a'] });
    const names = headersNamedBy(flags);
    const pick = (header: (name: string) => string | undefined) =>
      flags.evaluate('pick', withHeaders({}, names, header) as EvaluationContext).value;
    expect(pick(lookup)).toBe('b');
    expect(pick(() => undefined)).toBe('a');
  });
});
