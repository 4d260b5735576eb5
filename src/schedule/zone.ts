/**
 * @module schedule/zone: IANA time zones through Intl (no tz database of our own) — a zone's UTC offset at an
 * instant, and the instant a local wall-clock time names, with Skiff's daylight-saving policy (ADR 0010).
 *
 * Wall-clock times are carried as "naive" epoch milliseconds: the local fields read as if they were UTC
 * (`Date.UTC(y, m, d, h, mi)`), so arithmetic on them never meets a transition.
 */

const DAY_MS = 86_400_000;

const formatters = new Map<string, Intl.DateTimeFormat>();

/** Formatter for the zone's wall-clock fields; cached, because building one costs far more than using it. */
function formatter(zone: string): Intl.DateTimeFormat {
  let f = formatters.get(zone);
  if (f === undefined) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(zone, f);
  }
  return f;
}

/** The zone the process runs in (the `TZ` environment variable, else the system's), as Intl names it. */
export function localZone(): string {
  return new Intl.DateTimeFormat().resolvedOptions().timeZone;
}

/**
 * The canonical IANA name of `name`, or throws naming it. Go's names `Local` (the process zone) and `""`
 * (UTC) are accepted too, as robfig/cron's `CRON_TZ=` accepts them.
 */
export function resolveZone(name: string): string {
  if (name === '' || name === 'UTC') return 'UTC';
  if (name === 'Local') return localZone();
  try {
    return formatter(name).resolvedOptions().timeZone;
  } catch {
    throw new RangeError(`unknown time zone "${name}"`);
  }
}

/** The naive wall-clock milliseconds of `instantMs` in `zone` (whole seconds: sub-second parts are dropped). */
export function wallClock(zone: string, instantMs: number): number {
  const seconds = Math.floor(instantMs / 1000) * 1000;
  if (zone === 'UTC') return seconds;
  const field: Record<string, number> = {};
  for (const p of formatter(zone).formatToParts(new Date(seconds))) if (p.type !== 'literal') field[p.type] = Number(p.value);
  const d = new Date(0);
  // setUTCFullYear, unlike Date.UTC, keeps years 0-99 as they are.
  d.setUTCFullYear(field['year'] ?? 1970, (field['month'] ?? 1) - 1, field['day'] ?? 1);
  d.setUTCHours(field['hour'] ?? 0, field['minute'] ?? 0, field['second'] ?? 0, 0);
  return d.getTime();
}

/** The zone's offset from UTC at an instant, in milliseconds (`-18_000_000` for New York in winter). */
export function offsetAt(zone: string, instantMs: number): number {
  return wallClock(zone, instantMs) - Math.floor(instantMs / 1000) * 1000;
}

/**
 * The instant the wall-clock time `wallMs` names in `zone`, by Skiff's policy:
 * - it exists once: that instant;
 * - it exists twice (clocks turned back): the first occurrence;
 * - it does not exist (clocks turned forward over it): the first instant after the gap, i.e. the transition.
 * Offsets are read a day either side, so zones with any size or direction of shift work alike.
 */
export function instantOf(zone: string, wallMs: number): number {
  if (zone === 'UTC') return wallMs;
  const offsets = new Set([offsetAt(zone, wallMs - DAY_MS), offsetAt(zone, wallMs), offsetAt(zone, wallMs + DAY_MS)]);
  const valid = [...offsets].map((o) => wallMs - o).filter((instant) => wallClock(zone, instant) === wallMs);
  if (valid.length > 0) return Math.min(...valid);
  // In a gap: the offset before it applies at wall - after, the one after it at wall - before; the
  // transition lies between, and a binary search to the second finds it.
  const before = offsetAt(zone, wallMs - DAY_MS);
  const after = offsetAt(zone, wallMs + DAY_MS);
  let lo = Math.min(wallMs - after, wallMs - before);
  let hi = Math.max(wallMs - after, wallMs - before);
  if (offsetAt(zone, lo) !== before || offsetAt(zone, hi) === before) return hi;
  while (hi - lo > 1000) {
    const mid = Math.floor((lo + hi) / 2000) * 1000;
    if (mid <= lo) break;
    if (offsetAt(zone, mid) === before) lo = mid;
    else hi = mid;
  }
  return hi;
}
