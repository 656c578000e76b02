// Datetime parsing without Date objects: parts come from the wall-clock fields as written, so results never depend on
// the server's time zone. Accepts the vega flights form "2001/01/14 21:55" and ISO 8601 ("2001-01-14",
// "2001-01-14T21:55", "2001-01-14T21:55:07.5Z", "...+02:00"); an offset is validated but does not shift the parts.
import type { DatetimePart } from './schema-parts';

/** Wall-clock fields of one datetime; reused between calls so parsing allocates nothing. */
export interface WallClock {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
}

export const newWallClock = (): WallClock => ({ year: 0, month: 0, day: 0, hour: 0, minute: 0 });

/** Parses `text` into `into`; returns false (leaving `into` unspecified) when it is not a supported datetime. */
export function parseDatetime(text: string, into: WallClock): boolean {
  const length = text.length;
  if (length < 10) return false;
  const separator = text.charCodeAt(4);
  if ((separator !== DASH && separator !== SLASH) || text.charCodeAt(7) !== separator) return false;
  const year = digits(text, 0, 4);
  const month = digits(text, 5, 2);
  const day = digits(text, 8, 2);
  if (year < 0 || month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return false;
  into.year = year;
  into.month = month;
  into.day = day;
  into.hour = 0;
  into.minute = 0;
  if (length === 10) return true;

  const t = text.charCodeAt(10);
  if ((t !== UPPER_T && t !== SPACE) || text.charCodeAt(13) !== COLON) return false;
  const hour = digits(text, 11, 2);
  const minute = digits(text, 14, 2);
  if (hour < 0 || hour > 23 || minute < 0 || minute > 59) return false;
  into.hour = hour;
  into.minute = minute;
  let i = 16;
  if (text.charCodeAt(i) === COLON) {
    const second = digits(text, i + 1, 2);
    // 60 is a leap second.
    if (second < 0 || second > 60) return false;
    i += 3;
    if (text.charCodeAt(i) === DOT) {
      const start = ++i;
      while (i < length && isDigit(text.charCodeAt(i))) i++;
      if (i === start) return false;
    }
  }
  return i === length || validOffset(text, i);
}

/** ISO weekday counted from Monday = 0 to Sunday = 6 (Sakamoto's method, proleptic Gregorian calendar). */
export function dayOfWeek(year: number, month: number, day: number): number {
  const y = month < 3 ? year - 1 : year;
  const sunday0 =
    (y + Math.floor(y / 4) - Math.floor(y / 100) + Math.floor(y / 400) + MONTH_OFFSETS[month - 1] + day) % 7;
  return (sunday0 + 6) % 7;
}

interface PartInfo {
  /** One label per one-hot slot, used in feature names. */
  labels: readonly string[];
  /** Slot index of a datetime. */
  index(w: WallClock): number;
  /** Position on the cycle in slot units, fractional where finer detail exists (21:30 is 21.5). */
  phase(w: WallClock): number;
}

export const DATETIME_PART_INFO: Record<DatetimePart, PartInfo> = {
  hour: {
    labels: Array.from({ length: 24 }, (_, h) => String(h)),
    index: (w) => w.hour,
    phase: (w) => w.hour + w.minute / 60,
  },
  dayOfWeek: {
    labels: ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'],
    index: (w) => dayOfWeek(w.year, w.month, w.day),
    phase: (w) => dayOfWeek(w.year, w.month, w.day),
  },
  month: {
    labels: ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'],
    index: (w) => w.month - 1,
    phase: (w) => w.month - 1,
  },
};

const DASH = 45;
const SLASH = 47;
const COLON = 58;
const DOT = 46;
const SPACE = 32;
const UPPER_T = 84;
const UPPER_Z = 90;
const PLUS = 43;
const ZERO = 48;
const MONTH_OFFSETS = [0, 3, 2, 5, 0, 3, 5, 1, 4, 6, 2, 4];

const isDigit = (code: number) => code >= ZERO && code <= ZERO + 9;

/** The decimal value of `count` digits at `start`, or -1 when any of them is not a digit. */
function digits(text: string, start: number, count: number): number {
  let value = 0;
  for (let i = start; i < start + count; i++) {
    const code = text.charCodeAt(i);
    if (!isDigit(code)) return -1;
    value = value * 10 + code - ZERO;
  }
  return value;
}

/** "Z", "+hh:mm", "-hh:mm" or "+hhmm" ending the text at `i`. */
function validOffset(text: string, i: number): boolean {
  const sign = text.charCodeAt(i);
  if (sign === UPPER_Z) return i + 1 === text.length;
  if (sign !== PLUS && sign !== DASH) return false;
  const hours = digits(text, i + 1, 2);
  const minutesAt = text.charCodeAt(i + 3) === COLON ? i + 4 : i + 3;
  const minutes = digits(text, minutesAt, 2);
  return minutesAt + 2 === text.length && hours >= 0 && hours <= 23 && minutes >= 0 && minutes <= 59;
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}
