import { dueSlot, parseCron } from './schedule';

const at = (iso: string) => new Date(iso);

describe('schedule slots', () => {
  it('runs at the first slot after the last run, once it has passed', () => {
    const last = at('2026-01-01T02:00:00Z');
    expect(dueSlot('0 2 * * *', last, at('2026-01-02T01:59:59Z'))).toBeUndefined();
    expect(dueSlot('0 2 * * *', last, at('2026-01-02T02:00:00Z'))).toEqual(at('2026-01-02T02:00:00Z'));
  });

  it('runs a window missed during downtime once, not once per missed slot', () => {
    const last = at('2026-01-01T02:00:00Z');
    const now = at('2026-01-05T09:00:00Z'); // four nightly slots missed
    expect(dueSlot('0 2 * * *', last, now)).toEqual(at('2026-01-02T02:00:00Z'));
    // The scheduler records `now` as the last run, so nothing else is due until the next slot.
    expect(dueSlot('0 2 * * *', now, now)).toBeUndefined();
    expect(dueSlot('0 2 * * *', now, at('2026-01-06T02:00:00Z'))).toEqual(at('2026-01-06T02:00:00Z'));
  });

  it('reads second-level patterns, and rejects what is not cron', () => {
    expect(dueSlot('*/5 * * * * *', at('2026-01-01T00:00:01Z'), at('2026-01-01T00:00:05Z'))).toEqual(
      at('2026-01-01T00:00:05Z'),
    );
    expect(() => parseCron('every night')).toThrow('--cron "every night" is not a cron pattern');
  });
});
