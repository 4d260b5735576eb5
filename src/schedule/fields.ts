/**
 * @module schedule/fields: one field of a five-field cron expression — lists, ranges, steps, names, `*` and
 * `?` — parsed by robfig/cron v3's rules (what Velero runs), with errors that name the field.
 */

/** The values a field allows, and whether it was written as `*`/`?` (which matters for day matching). */
export interface FieldSet {
  /** `allowed[v]` is true when value v matches. */
  readonly allowed: readonly boolean[];
  /** Sorted allowed values, for jumping straight to the next one. */
  readonly values: readonly number[];
  /** robfig's star bit: some part of the field was `*` or `?` without a step above 1. */
  readonly star: boolean;
}

interface FieldRule {
  name: string;
  min: number;
  max: number;
  names?: Readonly<Record<string, number>>;
  /** A value written that stands for another (7 → 0: Sunday, for day of week). */
  alias?: Readonly<Record<number, number>>;
}

const MONTHS = { jan: 1, feb: 2, mar: 3, apr: 4, may: 5, jun: 6, jul: 7, aug: 8, sep: 9, oct: 10, nov: 11, dec: 12 };
const DAYS = { sun: 0, mon: 1, tue: 2, wed: 3, thu: 4, fri: 5, sat: 6 };

/** The five fields of a standard expression, in order. Day of week accepts 7 for Sunday, as most crons do. */
export const FIELD_RULES: readonly FieldRule[] = [
  { name: 'minute', min: 0, max: 59 },
  { name: 'hour', min: 0, max: 23 },
  { name: 'day of month', min: 1, max: 31 },
  { name: 'month', min: 1, max: 12, names: MONTHS },
  { name: 'day of week', min: 0, max: 7, names: DAYS, alias: { 7: 0 } },
];

/** A problem with the expression; the message says which field and why. */
export class CronSyntaxError extends Error {
  override readonly name = 'CronSyntaxError';
}

function fail(rule: FieldRule, text: string, why: string): never {
  throw new CronSyntaxError(`${rule.name} field "${text}": ${why}`);
}

/** A number, or a name the field knows (case-insensitive, as robfig lower-cases them). */
function value(rule: FieldRule, field: string, token: string): number {
  const named = rule.names?.[token.toLowerCase()];
  if (named !== undefined) return named;
  if (!/^\d+$/.test(token)) fail(rule, field, `"${token}" is not a number${rule.names ? ' or a name' : ''}`);
  return Number(token);
}

/** `*`, `?`, `a`, `a-b`, each optionally `/step`; `a/step` means a to the field's maximum. */
function parseRange(rule: FieldRule, field: string, part: string, allowed: boolean[]): boolean {
  const [range = '', stepText, extra] = part.split('/');
  if (extra !== undefined) fail(rule, field, `"${part}" has more than one "/"`);
  let step = 1;
  if (stepText !== undefined) {
    if (!/^\d+$/.test(stepText) || Number(stepText) === 0) fail(rule, field, `the step "${stepText}" must be a positive number`);
    step = Number(stepText);
  }
  let start: number;
  let end: number;
  // An implicit end is the field's natural maximum: 6 for day of week, where 7 is only an alias.
  const top = rule.alias ? rule.max - 1 : rule.max;
  const star = range === '*' || range === '?';
  if (star) {
    [start, end] = [rule.min, top];
  } else {
    const bounds = range.split('-');
    if (bounds.length > 2 || bounds.some((b) => b === '')) fail(rule, field, `"${range}" is not a value or a range a-b`);
    start = value(rule, field, bounds[0] ?? '');
    end = bounds.length === 2 ? value(rule, field, bounds[1] ?? '') : stepText !== undefined ? Math.max(top, start) : start;
  }
  if (start < rule.min) fail(rule, field, `${start} is below the minimum ${rule.min}`);
  if (end > rule.max) fail(rule, field, `${end} is above the maximum ${rule.max}`);
  if (start > end) fail(rule, field, `the range starts at ${start}, after its end ${end}`);
  for (let v = start; v <= end; v += step) allowed[rule.alias?.[v] ?? v] = true;
  return star && step === 1;
}

/** Parses one field by its rule; throws CronSyntaxError naming the field. */
export function parseField(rule: FieldRule, field: string): FieldSet {
  const allowed: boolean[] = [];
  let star = false;
  for (const part of field.split(',')) {
    if (part === '') fail(rule, field, 'an empty list entry');
    if (parseRange(rule, field, part, allowed)) star = true;
  }
  const values: number[] = [];
  allowed.forEach((on, v) => on && values.push(v));
  return { allowed, values, star };
}

/** The smallest allowed value ≥ from, or undefined when there is none. */
export function nextAllowed(set: FieldSet, from: number): number | undefined {
  return set.values.find((v) => v >= from);
}
