/**
 * @module restore/targets: which namespaces a restore writes into, so the server can run restores side by
 * side without two of them working on the same objects. Decided from the spec alone (before the backup is
 * read): the included namespaces after mapping, or "every namespace" when the spec does not name them.
 */
import type { RestoreSpecLike } from './types.ts';

/** The target namespaces, or 'all' when any namespace may be written. */
export type RestoreTargets = ReadonlySet<string> | 'all';

export function restoreTargets(spec: RestoreSpecLike | undefined): RestoreTargets {
  const included = spec?.includedNamespaces ?? [];
  if (included.length === 0 || included.includes('*')) return 'all';
  const mapping = (spec?.namespaceMapping ?? {}) as Record<string, string>;
  return new Set(included.map((ns) => (Object.hasOwn(mapping, ns) ? mapping[ns]! : ns)));
}

/**
 * True when two restores could touch the same namespaced objects. Cluster-scoped objects are shared by
 * all restores; they are safe side by side because a restore creates first and treats "already exists"
 * as a decision, never as a failure.
 */
export function targetsOverlap(a: RestoreTargets, b: RestoreTargets): boolean {
  if (a === 'all' || b === 'all') return true;
  for (const ns of a) if (b.has(ns)) return true;
  return false;
}
