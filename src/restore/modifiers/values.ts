/**
 * @module restore/modifiers/values: how Velero reads the string-typed parts of a rule — a JSON-patch `value`
 * (always a string in the YAML, turned into JSON by a few rules) and `resourceNameRegex` (Go RE2 syntax).
 */
import type { JsonValue } from './json.ts';

export type Parsed<T> = { ok: true; value: T } | { ok: false; error: string };

/** A valid JSON number (Go's ParseFloat also takes `+1`, `.5`, `01`, `Inf`, hex — which Velero then fails to decode). */
const JSON_NUMBER = /^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?$/;
const GO_DECIMAL = /^[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?$/;
const GO_SPECIAL = /^[+-]?(inf|infinity|nan)$/i;
const GO_HEX = /^[+-]?0[xX](_?[0-9a-fA-F])*\.?(_?[0-9a-fA-F])*[pP][+-]?[0-9]+$/;

/** Whether Go's strconv.ParseFloat accepts the text without error (an overflow is an error there). */
function goParsesAsFloat(text: string): boolean {
  if (GO_SPECIAL.test(text) || GO_HEX.test(text)) return true;
  return GO_DECIMAL.test(text) && Number.isFinite(Number(text));
}

/**
 * Velero writes the value into a JSON string template (`"value": "%s"`), so escapes such as `\n` are decoded;
 * where that would be invalid JSON (a bare `"` or `\`), Velero fails and Skiff keeps the text as written.
 */
function asJsonString(text: string): string {
  try {
    const decoded: unknown = JSON.parse(`"${text}"`);
    return typeof decoded === 'string' ? decoded : text;
  } catch {
    return text;
  }
}

/**
 * Turns a rule's `value` string into the JSON value Velero would embed:
 * - empty → `""`; wrapped in double quotes → the inner text as a string (so `"true"` stays a string);
 * - `null`, `true`/`false` (any case), a number, or text starting with `{` or `[` → parsed as JSON;
 * - anything else → a string.
 * Where Velero would embed text that is not valid JSON (`{oops`, `+1`, `Inf`), this returns an error, since
 * every item the rule touched would fail.
 */
export function embedPatchValue(text: string): Parsed<JsonValue> {
  if (text.length >= 2 && text.startsWith('"') && text.endsWith('"')) return { ok: true, value: asJsonString(text.slice(1, -1)) };
  if (text === 'null') return { ok: true, value: null };
  const lower = text.toLowerCase();
  if (lower === 'true' || lower === 'false') return { ok: true, value: lower === 'true' };
  if (text.startsWith('{') || text.startsWith('[')) {
    try {
      return { ok: true, value: JSON.parse(text) as JsonValue };
    } catch (err) {
      return { ok: false, error: `starts with "${text[0]}" so it is read as JSON, but it is not valid JSON (${(err as Error).message})` };
    }
  }
  if (goParsesAsFloat(text)) {
    if (JSON_NUMBER.test(text)) return { ok: true, value: Number(text) };
    return { ok: false, error: `"${text}" is read as a number but is not a valid JSON number; write "\\"${text}\\"" for a string` };
  }
  return { ok: true, value: asJsonString(text) };
}

/**
 * Compiles a Go (RE2) regular expression as a JavaScript one. RE2 is close to a subset of JS syntax; the
 * differences that matter for resource names are translated: `(?P<name>…)`, leading flag groups such as
 * `(?i)`, and `\A` / `\z`. Like Go's regexp.MatchString, the result is unanchored.
 */
export function compileGoRegExp(source: string): Parsed<RegExp> {
  let body = source;
  let flags = '';
  const lead = /^\(\?([a-zA-Z]+)\)/.exec(body);
  if (lead) {
    for (const f of lead[1]!) {
      if (f === 'i' || f === 'm' || f === 's') flags += flags.includes(f) ? '' : f;
      else return { ok: false, error: `flag "${f}" is not supported` };
    }
    body = body.slice(lead[0].length);
  }
  // Escape pairs are consumed left to right, so `\\A` (a backslash, then A) is left alone.
  body = body.replaceAll('(?P<', '(?<').replace(/\\(.)/gs, (pair, c: string) => (c === 'A' ? '^' : c === 'z' ? '$' : pair));
  try {
    return { ok: true, value: new RegExp(body, flags) };
  } catch (err) {
    return { ok: false, error: (err as Error).message };
  }
}
