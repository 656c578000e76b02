import { FlagSetEvent } from '@aviary/contracts';
import { eventOf, flagSetHistory, formatHistory } from './flag-set-history';

const event = (revision: number, kind: FlagSetEvent['kind'], extra: Partial<FlagSetEvent> = {}): FlagSetEvent => ({
  time: `2026-01-01T00:00:0${revision}.000Z`,
  kind,
  set: 'default',
  revision,
  previousRevision: revision > 1 ? revision - 1 : null,
  flags: ['a'],
  diff: [{ flag: 'a', change: 'added' }],
  document: `{"flags":{},"r":${revision}}`,
  lenient: false,
  actor: null,
  ...extra,
});

describe('flagSetHistory', () => {
  it('folds events into one row per revision, oldest first, a repeated event once', () => {
    const events = [
      event(1, 'flags.applied'),
      event(3, 'flags.rolledBack', { rolledBackTo: 1 }),
      event(2, 'flags.applied'),
      event(3, 'flags.rolledBack', { rolledBackTo: 1 }),
    ];
    expect(flagSetHistory(events)).toEqual([
      { time: '2026-01-01T00:00:01.000Z', revision: 1, kind: 'flags.applied', flags: ['a'] },
      { time: '2026-01-01T00:00:02.000Z', revision: 2, kind: 'flags.applied', flags: ['a'] },
      { time: '2026-01-01T00:00:03.000Z', revision: 3, kind: 'flags.rolledBack', flags: ['a'], rolledBackTo: 1 },
    ]);
    expect(eventOf(events, 2)?.document).toBe('{"flags":{},"r":2}');
  });

  it('prints time, revision, kind and changed flags per line', () => {
    expect(formatHistory(flagSetHistory([event(3, 'flags.rolledBack', { rolledBackTo: 1 })]))).toEqual([
      '2026-01-01T00:00:03.000Z     3  flags.rolledBack  a  (document of revision 1)',
    ]);
  });
});
