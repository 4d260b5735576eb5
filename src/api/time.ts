/** @module api/time: metav1.Time as Velero writes it (RFC 3339, UTC, whole seconds), and Go durations for API users. */

export { parseGoDuration, formatGoDuration } from '../util/duration.ts';

/**
 * RFC 3339 as Go's time.Parse accepts it for metav1.Time: upper-case T and Z, optional fractional seconds,
 * `Z` or a `±hh:mm` offset. Lower-case `t`/`z` and space separators, which some JS parsers take, are refused.
 */
const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d+)?(Z|([+-])(\d{2}):(\d{2}))$/;

/**
 * Formats a time the way metav1.Time marshals: UTC with seconds precision (`2025-01-02T03:04:05Z`).
 * Fractions of a second are dropped, not rounded, as Go's formatting truncates.
 */
export function formatKubeTime(date: Date): string {
  const ms = date.getTime();
  if (Number.isNaN(ms)) throw new RangeError('cannot format an invalid Date as a Kubernetes time');
  const year = date.getUTCFullYear();
  // Beyond 0000-9999 toISOString switches to an expanded ±YYYYYY form that Go would not parse back.
  if (year < 0 || year > 9999) throw new RangeError(`year ${year} is outside the range a Kubernetes time can hold`);
  return `${date.toISOString().slice(0, 19)}Z`;
}

/** Formats now (or the given epoch milliseconds): a shorthand for status timestamps. */
export function kubeTimeNow(nowMs: number = Date.now()): string {
  return formatKubeTime(new Date(nowMs));
}

function daysInMonth(year: number, month: number): number {
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
  return month === 2 ? (leap ? 29 : 28) : [4, 6, 9, 11].includes(month) ? 30 : 31;
}

/**
 * Parses an RFC 3339 time strictly (what the API server and Velero accept) and throws a clear error naming
 * the input for anything else, including impossible dates such as February 30 that `Date.parse` would shift.
 */
export function parseKubeTime(text: string): Date {
  const fail = (why: string): never => {
    throw new Error(`invalid time "${text}": ${why}; want RFC 3339 like 2025-01-02T03:04:05Z`);
  };
  const m = RFC3339.exec(text);
  if (!m) return fail('not in RFC 3339 form');
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number) as [number, number, number, number, number, number];
  if (month < 1 || month > 12) fail('month out of range');
  if (day < 1 || day > daysInMonth(year, month)) fail('day out of range');
  if (hour > 23) fail('hour out of range');
  if (minute > 59) fail('minute out of range');
  if (second > 59) fail('second out of range');
  let offsetMinutes = 0;
  if (m[8] !== 'Z') {
    const offHours = Number(m[10]);
    const offMinutes = Number(m[11]);
    if (offHours > 23 || offMinutes > 59) fail('time zone offset out of range');
    offsetMinutes = (m[9] === '-' ? -1 : 1) * (offHours * 60 + offMinutes);
  }
  // Milliseconds are the finest a Date holds; further digits are dropped.
  const fraction = m[7] === undefined ? 0 : Math.floor(Number(`0${m[7]}`) * 1000);
  // setUTCFullYear, unlike Date.UTC, does not map years 0-99 to 1900-1999.
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day);
  date.setUTCHours(hour, minute, second, fraction);
  date.setTime(date.getTime() - offsetMinutes * 60_000);
  return date;
}

/** True when `text` is a time parseKubeTime accepts. */
export function isKubeTime(text: string): boolean {
  try {
    parseKubeTime(text);
    return true;
  } catch {
    return false;
  }
}
