import { dayOfWeek, newWallClock, parseDatetime } from './datetime';

describe('parseDatetime', () => {
  it.each([
    ['2001/01/14 21:55', { year: 2001, month: 1, day: 14, hour: 21, minute: 55 }],
    ['2001-01-14', { year: 2001, month: 1, day: 14, hour: 0, minute: 0 }],
    ['2001-01-14T21:55', { year: 2001, month: 1, day: 14, hour: 21, minute: 55 }],
    ['2000-02-29T23:59:60.5-08:00', { year: 2000, month: 2, day: 29, hour: 23, minute: 59 }],
    ['2024-12-31T00:01:02+0530', { year: 2024, month: 12, day: 31, hour: 0, minute: 1 }],
  ])('reads the wall-clock fields of %s', (text, expected) => {
    const clock = newWallClock();
    expect(parseDatetime(text, clock)).toBe(true);
    expect(clock).toEqual(expected);
  });

  it.each([
    '',
    '2001',
    '1900-02-29',
    '2001-04-31',
    '2001-01-14T',
    '2001-01-14T9:05',
    '2001-01-14T21:55:00.',
    '2001-01-14t21:55',
    '2001-01-14T21:55:00+24:00',
    ' 2001-01-14',
  ])('rejects %j', (text) => expect(parseDatetime(text, newWallClock())).toBe(false));
});

describe('dayOfWeek', () => {
  it('counts from Monday = 0, matching the calendar', () => {
    expect(dayOfWeek(2001, 1, 1)).toBe(0);
    expect(dayOfWeek(2001, 1, 14)).toBe(6);
    expect(dayOfWeek(2000, 2, 29)).toBe(1);
    for (let day = 1; day <= 366; day++) {
      const date = new Date(Date.UTC(2024, 0, day));
      expect(dayOfWeek(date.getUTCFullYear(), date.getUTCMonth() + 1, date.getUTCDate())).toBe(
        (date.getUTCDay() + 6) % 7,
      );
    }
  });
});
