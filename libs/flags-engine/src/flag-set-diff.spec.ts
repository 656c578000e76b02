import { diffFlagSets, formatDiff } from './flag-set-diff';

const flag = { state: 'ENABLED', variants: { on: true, off: false }, defaultVariant: 'off' };
const doc = (value: object) => JSON.stringify(value);

describe('diffFlagSets', () => {
  it('names added, removed and changed flags, and which fields of a changed flag', () => {
    const before = doc({ flags: { kept: flag, gone: flag, edited: flag } });
    const after = doc({
      flags: {
        kept: flag,
        edited: { ...flag, state: 'DISABLED', targeting: { if: [true, 'on', 'off'] } },
        fresh: flag,
      },
    });
    expect(diffFlagSets(before, after)).toEqual([
      { flag: 'edited', change: 'changed', fields: ['state', 'targeting'] },
      { flag: 'fresh', change: 'added' },
      { flag: 'gone', change: 'removed' },
    ]);
  });

  it('sees no change in formatting or key order, and sees an evaluator edit in the flags that use it', () => {
    const uses = { ...flag, targeting: { if: [{ $ref: 'staff' }, 'on', 'off'] } };
    const before = doc({ flags: { a: uses, b: flag }, $evaluators: { staff: { in: ['@a', { var: 'email' }] } } });
    const reordered = JSON.stringify(
      { $evaluators: { staff: { in: ['@a', { var: 'email' }] } }, flags: { b: flag, a: uses } },
      null,
      2,
    );
    expect(diffFlagSets(before, reordered)).toEqual([]);
    const edited = doc({ flags: { a: uses, b: flag }, $evaluators: { staff: { in: ['@b', { var: 'email' }] } } });
    expect(diffFlagSets(before, edited)).toEqual([{ flag: 'a', change: 'changed', fields: ['targeting'] }]);
  });

  it('treats a first revision as all added and a deleted set as all removed', () => {
    const only = doc({ flags: { a: flag } });
    expect(diffFlagSets(undefined, only)).toEqual([{ flag: 'a', change: 'added' }]);
    expect(diffFlagSets(only, undefined)).toEqual([{ flag: 'a', change: 'removed' }]);
  });

  it('prints one line per flag', () => {
    expect(
      formatDiff([
        { flag: 'a', change: 'added' },
        { flag: 'b', change: 'removed' },
        { flag: 'c', change: 'changed', fields: ['variants', 'defaultVariant'] },
      ]),
    ).toEqual(['+ a', '- b', '~ c: variants, defaultVariant']);
    expect(formatDiff([])).toEqual(['no flag changes']);
  });
});

describe('diffFlagSets on a document not validated yet', () => {
  it('compares a flag that is not an object without failing', () => {
    expect(diffFlagSets(doc({ flags: { a: flag } }), doc({ flags: { a: null } }))).toEqual([
      { flag: 'a', change: 'changed', fields: ['state', 'variants', 'defaultVariant'] },
    ]);
  });
});
