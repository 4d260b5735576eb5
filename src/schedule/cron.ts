/**
 * @module schedule/cron: the cron expressions Velero's schedules use (robfig/cron v3 ParseStandard) — five
 * fields, `@daily`-style descriptors, `@every <Go duration>`, and a `CRON_TZ=`/`TZ=` zone prefix — and the
 * next run after an instant, with Skiff's daylight-saving policy (docs/adr/0010-schedules.md).
 */
import { parseGoDuration } from '../util/duration.ts';
import { CronSyntaxError, FIELD_RULES, nextAllowed, parseField, type FieldSet } from './fields.ts';
import { instantOf, localZone, resolveZone, wallClock } from './zone.ts';

export { CronSyntaxError } from './fields.ts';

/** A parsed expression: when it runs next. */
export interface CronSchedule {
  /** The expression as written. */
  readonly expression: string;
  /** The IANA zone the fields are read in: the prefix's, else the process's. `@every` ignores it. */
  readonly zone: string;
  /** The first run strictly after `after`. */
  next(after: Date): Date;
}

const MINUTE_MS = 60_000;
/** Far enough for any satisfiable expression: February 29 can be 8 years away (2096 → 2104). */
const SEARCH_YEARS = 9;

const DESCRIPTORS: Readonly<Record<string, string>> = {
  '@yearly': '0 0 1 1 *',
  '@annually': '0 0 1 1 *',
  '@monthly': '0 0 1 * *',
  '@weekly': '0 0 * * 0',
  '@daily': '0 0 * * *',
  '@midnight': '0 0 * * *',
  '@hourly': '0 * * * *',
};

/** `@every <d>`: runs every d, whole seconds, counted from the previous run (robfig's ConstantDelaySchedule). */
class EverySchedule implements CronSchedule {
  readonly expression: string;
  readonly zone: string;
  readonly delayMs: number;

  constructor(expression: string, zone: string, delayMs: number) {
    this.expression = expression;
    this.zone = zone;
    this.delayMs = delayMs;
  }

  next(after: Date): Date {
    return new Date(Math.floor(after.getTime() / 1000) * 1000 + this.delayMs);
  }
}

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/** Five fields, read as local wall-clock time in `zone`. */
class FieldSchedule implements CronSchedule {
  readonly expression: string;
  readonly zone: string;
  readonly #minute: FieldSet;
  readonly #hour: FieldSet;
  readonly #dom: FieldSet;
  readonly #month: FieldSet;
  readonly #dow: FieldSet;

  constructor(expression: string, zone: string, fields: readonly FieldSet[]) {
    this.expression = expression;
    this.zone = zone;
    [this.#minute, this.#hour, this.#dom, this.#month, this.#dow] = fields as [FieldSet, FieldSet, FieldSet, FieldSet, FieldSet];
  }

  /** Standard cron: with both day fields restricted either may match; otherwise both must (robfig's star rule). */
  #dayMatches(wall: Date): boolean {
    const dom = this.#dom.allowed[wall.getUTCDate()] === true;
    const dow = this.#dow.allowed[wall.getUTCDay()] === true;
    return this.#dom.star || this.#dow.star ? dom && dow : dom || dow;
  }

  /** True when some month allowed has some day allowed (only the day of month can make that impossible). */
  satisfiable(): boolean {
    if (!this.#dom.star && !this.#dow.star) return true;
    return this.#month.values.some((m) => this.#dom.values.some((d) => d <= (m === 2 ? 29 : daysInMonth(2001, m))));
  }

  next(after: Date): Date {
    const afterMs = after.getTime();
    // Candidates are wall-clock minutes, strictly after the wall-clock minute `after` falls in.
    let wall = new Date(Math.floor(wallClock(this.zone, afterMs) / MINUTE_MS) * MINUTE_MS + MINUTE_MS);
    const lastYear = wall.getUTCFullYear() + SEARCH_YEARS;
    while (wall.getUTCFullYear() <= lastYear) {
      const [y, mo, d, h, mi] = [wall.getUTCFullYear(), wall.getUTCMonth(), wall.getUTCDate(), wall.getUTCHours(), wall.getUTCMinutes()];
      if (!this.#month.allowed[mo + 1]) {
        wall = new Date(Date.UTC(y, mo + 1, 1));
      } else if (!this.#dayMatches(wall)) {
        wall = new Date(Date.UTC(y, mo, d + 1));
      } else if (!this.#hour.allowed[h]) {
        const hour = nextAllowed(this.#hour, h);
        wall = new Date(hour === undefined ? Date.UTC(y, mo, d + 1) : Date.UTC(y, mo, d, hour));
      } else {
        const minute = nextAllowed(this.#minute, mi);
        if (minute === undefined) {
          wall = new Date(Date.UTC(y, mo, d, h + 1));
          continue;
        }
        const candidate = Date.UTC(y, mo, d, h, minute);
        // A repeated local time maps to its first occurrence, which may lie before `after`: keep looking.
        const instant = instantOf(this.zone, candidate);
        if (instant > afterMs) return new Date(instant);
        wall = new Date(candidate + MINUTE_MS);
      }
    }
    throw new Error(`the schedule "${this.expression}" has no run within ${SEARCH_YEARS} years of ${after.toISOString()}`);
  }
}

/** `CRON_TZ=Europe/Berlin 0 3 * * *` → the zone and the rest; no prefix → the process zone. */
function splitZone(spec: string): { zone: string; rest: string } {
  const m = /^(?:CRON_TZ|TZ)=(\S*)(?:\s+([\s\S]*))?$/.exec(spec);
  if (!m) return { zone: localZone(), rest: spec };
  const name = m[1] ?? '';
  if (m[2] === undefined) throw new CronSyntaxError(`"${spec}" has a time zone but no schedule after it`);
  try {
    return { zone: resolveZone(name), rest: m[2].trim() };
  } catch {
    throw new CronSyntaxError(`unknown time zone "${name}" (want an IANA name such as Europe/Berlin or America/New_York)`);
  }
}

function parseEvery(expression: string, zone: string, text: string): CronSchedule {
  let ms: number;
  try {
    ms = parseGoDuration(text);
  } catch {
    throw new CronSyntaxError(`@every needs a Go duration such as 30s, 5m or 1h30m, not "${text}"`);
  }
  if (!(ms > 0)) throw new CronSyntaxError(`@every needs a positive duration, not "${text}"`);
  // As robfig: whole seconds, at least one.
  return new EverySchedule(expression, zone, Math.max(1000, Math.floor(ms / 1000) * 1000));
}

/**
 * Parses an expression; throws CronSyntaxError saying what is wrong. Five fields (minute, hour, day of
 * month, month, day of week), `@yearly @annually @monthly @weekly @daily @midnight @hourly`, `@every <d>`,
 * each optionally after `CRON_TZ=<zone> ` or `TZ=<zone> `.
 */
export function parseCron(expression: string): CronSchedule {
  const spec = expression.trim();
  if (spec === '') throw new CronSyntaxError('the expression is empty');
  const { zone, rest } = splitZone(spec);
  if (rest.startsWith('@every ') || rest === '@every') return parseEvery(expression, zone, rest.slice('@every'.length).trim());
  let fieldsText = rest;
  if (rest.startsWith('@')) {
    const standard = DESCRIPTORS[rest];
    if (standard === undefined) throw new CronSyntaxError(`unknown descriptor "${rest}" (known: ${Object.keys(DESCRIPTORS).join(', ')}, @every <duration>)`);
    fieldsText = standard;
  }
  const fields = fieldsText.split(/\s+/);
  if (fields.length !== 5) {
    throw new CronSyntaxError(`expected exactly 5 fields (minute hour day-of-month month day-of-week), found ${fields.length}: "${rest}"`);
  }
  const schedule = new FieldSchedule(expression, zone, fields.map((f, i) => parseField(FIELD_RULES[i]!, f)));
  if (!schedule.satisfiable()) throw new CronSyntaxError(`"${rest}" never runs: no month selected has the day of month asked for`);
  return schedule;
}

/** The gap between the next run after `from` and the one after that (for the expected-interval metric). */
export function expectedIntervalMs(schedule: CronSchedule, from: Date = new Date()): number {
  const first = schedule.next(from);
  return schedule.next(first).getTime() - first.getTime();
}
