/** @module cli/flags — strict parsers for Go-style flag values (durations, bools, comma lists). */
import { InvalidArgumentError } from '@commander-js/extra-typings';

export { parseGoDuration, formatGoDuration } from '../util/duration.ts';
import { parseGoDuration } from '../util/duration.ts';

const TRUE_WORDS = new Set(['1', 't', 'T', 'TRUE', 'true', 'True']);
const FALSE_WORDS = new Set(['0', 'f', 'F', 'FALSE', 'false', 'False']);

/** Go's strconv.ParseBool; `undefined` for anything else. */
export function parseGoBool(text: string): boolean | undefined {
  if (TRUE_WORDS.has(text)) return true;
  if (FALSE_WORDS.has(text)) return false;
  return undefined;
}

/** Splits `a, b,,c` into `['a','b','c']`: trims and drops empty entries. */
export function splitCommaList(text: string): string[] {
  return text
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
}

/**
 * Commander arg parser for a duration flag. Commander prefixes the error with
 * the flag and value, and runCli renders it cobra-style:
 * `invalid argument "x" for "--timeout" flag: ...`.
 */
export function durationArg(value: string): number {
  try {
    return parseGoDuration(value);
  } catch {
    throw new InvalidArgumentError('expected a duration like 30s, 5m or 1h30m');
  }
}

/** Commander arg parser for a `--flag [bool]` option; a bare flag means true. */
export function boolArg(value: string): boolean {
  const parsed = parseGoBool(value);
  if (parsed === undefined) throw new InvalidArgumentError('expected true or false');
  return parsed;
}

/** Commander arg parser for a repeatable comma-separated flag; values accumulate. */
export function commaListArg(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), ...splitCommaList(value)];
}
