import type { EvaluationContext } from '@openfeature/core';
import { FlagSet } from './flag-set';
import { bulkEtag, bulkFailureOf, evaluateOfrepFlag, evaluateOfrepFlags, ofrepContextOf } from './ofrep';

const set = FlagSet.parse(
  JSON.stringify({
    metadata: { team: 'ml' },
    flags: {
      greeting: {
        state: 'ENABLED',
        variants: { hi: 'hi', yo: 'yo' },
        defaultVariant: 'hi',
        targeting: { if: [{ '==': [{ var: 'tier' }, 'gold'] }, 'yo', null] },
        metadata: { owner: 'ana' },
      },
      retired: { state: 'DISABLED', variants: { on: true, off: false }, defaultVariant: 'on' },
      broken: { state: 'ENABLED', variants: { on: true }, defaultVariant: 'on', targeting: { nope: [1] } },
    },
  }),
);

describe('evaluateOfrepFlag', () => {
  it('answers a targeting match with its value, variant, reason and the flag’s metadata', () => {
    expect(evaluateOfrepFlag({ set }, 'greeting', { tier: 'gold' })).toEqual({
      key: 'greeting',
      value: 'yo',
      variant: 'yo',
      reason: 'TARGETING_MATCH',
      metadata: { team: 'ml', owner: 'ana' },
    });
  });

  it('leaves the value out of a disabled flag’s answer, so the caller’s default applies', () => {
    const answer = evaluateOfrepFlag({ set }, 'retired', {});
    expect(answer).toMatchObject({ key: 'retired', reason: 'DISABLED' });
    expect(answer).not.toHaveProperty('value');
  });

  it('answers FLAG_NOT_FOUND for a flag the set lacks and for a set that does not exist', () => {
    expect(evaluateOfrepFlag({ set }, 'nope', {})).toMatchObject({ key: 'nope', errorCode: 'FLAG_NOT_FOUND' });
    expect(evaluateOfrepFlag({ missing: 'flag set "x" does not exist' }, 'greeting', {})).toEqual({
      key: 'greeting',
      errorCode: 'FLAG_NOT_FOUND',
      errorDetails: 'flag set "x" does not exist',
    });
  });

  it('answers PARSE_ERROR for broken targeting and for a set with no good revision', () => {
    expect(evaluateOfrepFlag({ set }, 'broken', {})).toMatchObject({ errorCode: 'PARSE_ERROR' });
    expect(evaluateOfrepFlag({ broken: 'flag set "x": invalid' }, 'f', {})).toMatchObject({ errorCode: 'PARSE_ERROR' });
  });
});

describe('evaluateOfrepFlags', () => {
  it('answers every flag of the set, each with its own value or error', () => {
    const answers = evaluateOfrepFlags(set, {});
    expect(answers.map((a) => a.key).sort()).toEqual(['broken', 'greeting', 'retired']);
    expect(answers.find((a) => a.key === 'broken')).toMatchObject({ errorCode: 'PARSE_ERROR' });
  });

  it('fails a bulk request as a whole without a readable set', () => {
    expect(bulkFailureOf({ missing: 'gone' })).toEqual({ errorCode: 'GENERAL', errorDetails: 'gone' });
    expect(bulkFailureOf({ broken: 'bad' })).toEqual({ errorCode: 'PARSE_ERROR', errorDetails: 'bad' });
  });
});

describe('ofrepContextOf', () => {
  it('reads the context of a body, and none from an empty one', () => {
    expect(ofrepContextOf({ context: { targetingKey: 'u1' } })).toEqual({ context: { targetingKey: 'u1' } });
    expect(ofrepContextOf(undefined)).toEqual({ context: {} });
    expect(ofrepContextOf({})).toEqual({ context: {} });
  });

  it.each([[[1]], ['text'], [{ context: 'text' }], [{ context: [1] }]])('rejects %j as INVALID_CONTEXT', (body) => {
    expect(ofrepContextOf(body)).toEqual({ failure: expect.objectContaining({ errorCode: 'INVALID_CONTEXT' }) });
  });
});

describe('bulkEtag', () => {
  const etag = (revision: number, context: EvaluationContext) => bulkEtag({ flagSet: 'default', revision, context });

  it('is a quoted tag that ignores the order of context keys', () => {
    expect(etag(3, { a: 1, b: { c: 2, d: 3 } })).toMatch(/^"[A-Za-z0-9_-]+"$/);
    expect(etag(3, { a: 1, b: { c: 2, d: 3 } })).toBe(etag(3, { b: { d: 3, c: 2 }, a: 1 }));
  });

  it('changes with the revision, the context and the set', () => {
    expect(etag(3, { a: 1 })).not.toBe(etag(4, { a: 1 }));
    expect(etag(3, { a: 1 })).not.toBe(etag(3, { a: 2 }));
    expect(bulkEtag({ flagSet: 'beta', revision: 3, context: {} })).not.toBe(etag(3, {}));
  });
});
