/** @module kube/selectors: label selectors — kubectl syntax, metav1.LabelSelector objects, and matching. */

export type SelectorOperator = 'In' | 'NotIn' | 'Exists' | 'DoesNotExist';

export interface LabelSelectorRequirement {
  key: string;
  operator: SelectorOperator;
  values?: string[];
}

/** metav1.LabelSelector. */
export interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: LabelSelectorRequirement[];
}

export class SelectorError extends Error {
  override readonly name = 'SelectorError';
}

const NAME = /^[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;
const PREFIX = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const VALUE = /^(|[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)$/;

/** A label key is `[prefix/]name`: a DNS subdomain prefix (≤ 253) and a name (≤ 63). */
export function validLabelKey(key: string): boolean {
  const slash = key.lastIndexOf('/');
  const name = slash < 0 ? key : key.slice(slash + 1);
  const prefix = slash < 0 ? undefined : key.slice(0, slash);
  return NAME.test(name) && (prefix === undefined || (prefix.length <= 253 && PREFIX.test(prefix)));
}

export function validLabelValue(value: string): boolean {
  return value.length <= 63 && VALUE.test(value);
}

/**
 * Parses kubectl's selector syntax (`app=nginx,tier!=db,env in (a,b),!legacy,ready`) into a
 * LabelSelector, as metav1.ParseToLabelSelector does: `=`/`==` become matchLabels, the rest
 * matchExpressions. Throws SelectorError naming the part that is wrong.
 */
export function parseLabelSelector(text: string): LabelSelector {
  const out: LabelSelector = {};
  for (const part of splitRequirements(text)) {
    const req = parseRequirement(part);
    if ('equals' in req) {
      out.matchLabels ??= {};
      if (req.key in out.matchLabels && out.matchLabels[req.key] !== req.equals) {
        throw new SelectorError(`label selector "${text}": "${req.key}" cannot equal two values`);
      }
      out.matchLabels[req.key] = req.equals;
    } else {
      (out.matchExpressions ??= []).push(req);
    }
  }
  return out;
}

function splitRequirements(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let current = '';
  for (const ch of text) {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (ch === ',' && depth === 0) {
      parts.push(current.trim());
      current = '';
    } else current += ch;
  }
  if (current.trim() !== '' || parts.length > 0) parts.push(current.trim());
  if (parts.some((p) => p === '')) throw new SelectorError(`label selector "${text}" has an empty requirement`);
  return parts;
}

function parseRequirement(part: string): LabelSelectorRequirement | { key: string; equals: string } {
  const fail = (why: string): never => {
    throw new SelectorError(`label selector requirement "${part}": ${why}`);
  };
  const key = (k: string): string => (validLabelKey(k.trim()) ? k.trim() : fail(`"${k.trim()}" is not a valid label key`));
  const value = (v: string): string => (validLabelValue(v.trim()) ? v.trim() : fail(`"${v.trim()}" is not a valid label value`));
  const set = /^(\S+)\s+(in|notin)\s*\((.*)\)$/.exec(part);
  if (set) {
    const values = set[3]!.split(',').map(value);
    if (values.length === 0 || (values.length === 1 && values[0] === '')) fail('a set needs at least one value');
    return { key: key(set[1]!), operator: set[2] === 'in' ? 'In' : 'NotIn', values };
  }
  const neq = /^([^!=]+)!=(.*)$/.exec(part);
  if (neq) return { key: key(neq[1]!), operator: 'NotIn', values: [value(neq[2]!)] };
  const eq = /^([^!=]+)==?([^=]*)$/.exec(part);
  if (eq) return { key: key(eq[1]!), equals: value(eq[2]!) };
  if (part.startsWith('!')) return { key: key(part.slice(1)), operator: 'DoesNotExist' };
  if (/^[^\s=!()]+$/.test(part)) return { key: key(part), operator: 'Exists' };
  return fail('expected key=value, key!=value, key in (…), key notin (…), key or !key');
}

/** The selector in the API server's query syntax (deterministic: keys and values sorted). */
export function formatLabelSelector(sel: LabelSelector | undefined | null): string {
  if (!sel) return '';
  const parts = Object.entries(sel.matchLabels ?? {})
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([k, v]) => `${k}=${v}`);
  for (const r of sel.matchExpressions ?? []) {
    const values = [...(r.values ?? [])].sort().join(',');
    if (r.operator === 'In') parts.push(`${r.key} in (${values})`);
    else if (r.operator === 'NotIn') parts.push(`${r.key} notin (${values})`);
    else if (r.operator === 'Exists') parts.push(r.key);
    else parts.push(`!${r.key}`);
  }
  return parts.join(',');
}

/** Whether `labels` satisfy the selector. An empty selector matches everything; an absent one too. */
export function matchesLabelSelector(labels: Record<string, string> | undefined, sel: LabelSelector | undefined | null): boolean {
  if (!sel) return true;
  const l = labels ?? {};
  for (const [k, v] of Object.entries(sel.matchLabels ?? {})) if (l[k] !== v) return false;
  for (const r of sel.matchExpressions ?? []) {
    const has = Object.hasOwn(l, r.key);
    const inSet = has && (r.values ?? []).includes(l[r.key]!);
    if (r.operator === 'In' && !inSet) return false;
    if (r.operator === 'NotIn' && inSet) return false;
    if (r.operator === 'Exists' && !has) return false;
    if (r.operator === 'DoesNotExist' && has) return false;
  }
  return true;
}

/** Velero's `--or-selector` syntax: selectors separated by the literal " or ". */
export function parseOrSelectors(text: string): LabelSelector[] {
  return text.split(' or ').map((s) => parseLabelSelector(s.trim()));
}
