/** @module backup/list-rules: validation of include/exclude lists, with messages that name the field. */
import { validateGlob } from './glob.ts';

const NAMESPACE = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** Velero's rules for the namespace lists: globs allowed, `*` only alone, no overlap, valid names. */
export function namespaceListErrors(includes: readonly string[], excludes: readonly string[]): string[] {
  const errors = oldListErrors('spec.includedNamespaces', 'spec.excludedNamespaces', includes, excludes);
  for (const [field, list] of [['spec.includedNamespaces', includes], ['spec.excludedNamespaces', excludes]] as const) {
    for (const ns of list) {
      if (ns === '*') continue;
      const globProblem = validateGlob(ns);
      if (globProblem) {
        errors.push(`${field}: "${ns}" is not a valid pattern: ${globProblem}`);
        continue;
      }
      // Glob characters stand in for name characters; what remains must be a valid namespace name.
      const literal = ns.replace(/\[[^\]]*\]/g, 'a').replace(/[*?]/g, 'a');
      if (literal.length > 63 || !NAMESPACE.test(literal)) errors.push(`${field}: "${ns}" is not a valid namespace name or pattern`);
    }
  }
  return errors;
}

/** The "old" lists: `*` may appear in includes only alone, never in excludes; nothing in both. */
export function oldListErrors(includeField: string, excludeField: string, includes: readonly string[], excludes: readonly string[]): string[] {
  const errors: string[] = [];
  if (includes.includes('*') && includes.length > 1) errors.push(`${includeField}: "*" must be the only entry when present`);
  if (excludes.includes('*')) errors.push(`${excludeField}: "*" is not allowed in an exclude list`);
  for (const item of includes) if (item !== '*' && excludes.includes(item)) errors.push(`${includeField}, ${excludeField}: "${item}" is both included and excluded`);
  return errors;
}

/** The scoped lists: `*` only alone in either list; `*` excluded means nothing may be included; no overlap. */
export function scopedListErrors(includeField: string, excludeField: string, includes: readonly string[], excludes: readonly string[]): string[] {
  const errors: string[] = [];
  if (includes.includes('*') && includes.length > 1) errors.push(`${includeField}: "*" must be the only entry when present`);
  if (excludes.includes('*') && excludes.length > 1) errors.push(`${excludeField}: "*" must be the only entry when present`);
  if (excludes.includes('*') && includes.length > 0) errors.push(`${includeField}: nothing can be included when ${excludeField} is "*"`);
  for (const item of includes) if (item !== '*' && excludes.includes(item)) errors.push(`${includeField}, ${excludeField}: "${item}" is both included and excluded`);
  return errors;
}
