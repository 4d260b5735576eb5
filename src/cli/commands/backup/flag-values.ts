/** @module cli/commands/backup/flag-values — Velero's flag value syntaxes (string arrays, CSV maps, selectors, ordered resources). */
import { InvalidArgumentError, Option } from '@commander-js/extra-typings';
import { boolArg, durationArg } from '../../flags.ts';
import { parseLabelSelector, parseOrSelectors, type LabelSelector } from '../../../kube/index.ts';

/**
 * Velero's StringArray: the value split on commas, verbatim; a repeated flag replaces the previous value
 * (`--include-namespaces a --include-namespaces b` means just `b`, as with velero).
 */
export function stringArrayArg(value: string): string[] {
  return value.split(',');
}

/** Splits CSV fields: commas inside double quotes do not separate; quotes are removed; `""` in quotes is `"`. */
export function splitCsv(text: string): string[] {
  const fields: string[] = [];
  let current = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text.charAt(i);
    if (ch === '"') {
      if (quoted && text.charAt(i + 1) === '"') {
        current += '"';
        i++;
      } else quoted = !quoted;
    } else if (ch === ',' && !quoted) {
      fields.push(current);
      current = '';
    } else current += ch;
  }
  if (quoted) throw new InvalidArgumentError('unterminated quote');
  fields.push(current);
  return fields;
}

/** pflag's StringSlice (`--volume-snapshot-locations`): CSV fields; a repeated flag appends. */
export function stringSliceArg(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), ...splitCsv(value)];
}

/**
 * A map flag (`--labels`, `--annotations`, `--config`): `k1=v1,k2=v2`, CSV style so `"k=a,b"` keeps its comma;
 * a repeated flag adds entries.
 */
export function mapArg(value: string, previous: Record<string, string> | undefined): Record<string, string> {
  const out = { ...(previous ?? {}) };
  for (const entry of splitCsv(value)) {
    const eq = entry.indexOf('=');
    if (eq < 0) throw new InvalidArgumentError(`error parsing "${entry}": expected key=value`);
    out[entry.slice(0, eq)] = entry.slice(eq + 1);
  }
  return out;
}

function selectorError(err: unknown): never {
  throw new InvalidArgumentError((err as Error).message);
}

/** `-l/--selector`: kubectl's selector syntax, as a metav1.LabelSelector. */
export function selectorArg(value: string): LabelSelector {
  try {
    return parseLabelSelector(value);
  } catch (err) {
    return selectorError(err);
  }
}

/** `--or-selector`: selectors separated by the literal " or ". */
export function orSelectorArg(value: string): LabelSelector[] {
  try {
    return parseOrSelectors(value);
  } catch (err) {
    return selectorError(err);
  }
}

/**
 * `--ordered-resources 'pods=ns1/pod1,ns1/pod2;persistentvolumes=pv1'`: `;` separates kinds, each entry is
 * exactly one `kind=list`; the list stays a comma-separated string, as the spec field is.
 */
export function orderedResourcesArg(value: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const entry of value.split(';')) {
    const kv = entry.split('=');
    if (kv.length !== 2) throw new InvalidArgumentError(`invalid OrderedResources '${entry}': expected kind=ns/name,ns/name;kind2=name`);
    out[(kv[0] ?? '').trim()] = (kv[1] ?? '').trim();
  }
  return out;
}

/** A Go `int` flag. */
export function intArg(value: string): number {
  if (!/^[+-]?\d+$/.test(value.trim())) throw new InvalidArgumentError('expected an integer');
  return Number(value);
}

/** A flag restricted to a few values (Velero's flag.Enum). */
export function enumArg<const V extends string>(allowed: readonly V[]): (value: string) => V {
  return (value: string): V => {
    const found = allowed.find((a) => a === value);
    if (found === undefined) throw new InvalidArgumentError(`valid values are ${allowed.join(', ')}`);
    return found;
  };
}

/** Reads a flag value of a known shape from commander's untyped options. */
export function optString(o: Record<string, unknown>, key: string): string | undefined {
  const v = o[key];
  return typeof v === 'string' ? v : undefined;
}

export function optBool(o: Record<string, unknown>, key: string): boolean | undefined {
  const v = o[key];
  return typeof v === 'boolean' ? v : undefined;
}

export function optNumber(o: Record<string, unknown>, key: string): number | undefined {
  const v = o[key];
  return typeof v === 'number' ? v : undefined;
}

export function optStrings(o: Record<string, unknown>, key: string): string[] | undefined {
  const v = o[key];
  return Array.isArray(v) ? (v as string[]) : undefined;
}

export function optMap(o: Record<string, unknown>, key: string): Record<string, string> | undefined {
  const v = o[key];
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, string>) : undefined;
}

/** `-l/--selector` passed on to the API server as typed, once it parses (so a typo names the flag). */
export function selectorStringArg(value: string): string {
  selectorArg(value);
  return value;
}

/** `--<flag> <list>`: a StringArray flag (comma-split; a repeat replaces). */
export function listOption(flag: string, text: string): Option {
  return new Option(`--${flag} <list>`, text).argParser(stringArrayArg);
}

/** `--<flag> [bool]`: velero's OptionalBool; a bare flag means true, absent leaves the field unset. */
export function optionalBoolOption(flag: string, text: string): Option {
  return new Option(`--${flag} [bool]`, text).argParser(boolArg);
}

/** `--<flag> <duration>`: a Go duration, parsed to milliseconds. */
export function durationOption(flag: string, text: string): Option {
  return new Option(`--${flag} <duration>`, text).argParser(durationArg);
}
