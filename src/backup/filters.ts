/** @module backup/filters: which namespaces and resources a backup takes, with Velero's old and new filter rules. */
import { globMatch } from './glob.ts';

/** An include list and an exclude list of glob patterns; exclusion wins, an empty include list means all. */
export class IncludesExcludes {
  readonly includes: readonly string[];
  readonly excludes: readonly string[];

  constructor(includes: readonly string[] = [], excludes: readonly string[] = []) {
    this.includes = includes;
    this.excludes = excludes;
  }

  shouldInclude(value: string): boolean {
    if (this.isExcluded(value)) return false;
    return this.includes.length === 0 || this.includes.some((p) => globMatch(p, value));
  }

  isExcluded(value: string): boolean {
    return this.excludes.some((p) => globMatch(p, value));
  }

  /** No excludes, and includes empty or exactly `*`. */
  includesEverything(): boolean {
    return this.excludes.length === 0 && (this.includes.length === 0 || (this.includes.length === 1 && this.includes[0] === '*'));
  }
}

/** How a backup decides about a group-resource (`deployments.apps`, `pods`, `persistentvolumes`). */
export interface ResourceFilter {
  /** Should items of this resource be listed and backed up? */
  shouldInclude(groupResource: string, namespaced: boolean): boolean;
  /** Should an item of this resource be refused when an item action adds it? (Only explicit rules refuse.) */
  shouldExclude(groupResource: string, namespaced: boolean): boolean;
  /** Was this resource named explicitly in an include or exclude list? (Decides the CRD rule.) */
  mentions(groupResource: string): boolean;
}

/**
 * The "old" filters: `includedResources`/`excludedResources` plus the `includeClusterResources`
 * tri-state, where unset means: cluster-scoped resources only when every namespace is included.
 */
export class OldResourceFilter implements ResourceFilter {
  readonly #resources: IncludesExcludes;
  readonly #includeCluster: boolean | undefined;
  readonly #namespaces: IncludesExcludes;

  constructor(resources: IncludesExcludes, includeClusterResources: boolean | undefined | null, namespaces: IncludesExcludes) {
    this.#resources = resources;
    this.#includeCluster = includeClusterResources ?? undefined;
    this.#namespaces = namespaces;
  }

  shouldInclude(gr: string, namespaced: boolean): boolean {
    if (!namespaced && this.#includeCluster === false) return false;
    if (!namespaced && gr !== 'namespaces' && this.#includeCluster === undefined && !this.#namespaces.includesEverything()) return false;
    return this.#resources.shouldInclude(gr);
  }

  shouldExclude(gr: string, namespaced: boolean): boolean {
    if (this.#resources.isExcluded(gr)) return true;
    if (namespaced) return false;
    if (this.#includeCluster === false) return true;
    return this.#includeCluster === undefined && !this.#resources.shouldInclude(gr);
  }

  mentions(gr: string): boolean {
    return mentioned(gr, this.#resources);
  }
}

/**
 * The "new" scoped filters: separate lists for cluster-scoped and namespace-scoped resources.
 * Cluster-scoped resources are all taken only by a full backup: no cluster-scoped lists, every
 * namespace, every namespaced resource; otherwise only those listed (and `namespaces` always).
 *
 * Skiff departs from Velero here on purpose (docs/adr/0008): Velero appends its own excludes of the
 * CSI snapshot kinds before this test, so a plain `backup create` no longer counts as full and
 * silently loses ClusterRoles, StorageClasses and the like. Skiff decides "full" from the lists the
 * user wrote (`fullBackup`, computed by the request builder).
 */
export class ScopedResourceFilter implements ResourceFilter {
  readonly #cluster: IncludesExcludes;
  readonly #namespaced: IncludesExcludes;
  readonly #fullBackup: boolean;

  constructor(opts: { cluster: IncludesExcludes; namespaced: IncludesExcludes; fullBackup: boolean }) {
    this.#cluster = opts.cluster;
    this.#namespaced = opts.namespaced;
    this.#fullBackup = opts.fullBackup;
  }

  shouldInclude(gr: string, namespaced: boolean): boolean {
    if (namespaced) {
      if (this.#namespaced.excludes.includes('*') || this.#namespaced.isExcluded(gr)) return false;
      return this.#namespaced.includes.length === 0 || this.#namespaced.includes.some((p) => globMatch(p, gr));
    }
    if (this.#cluster.excludes.includes('*') || this.#cluster.isExcluded(gr)) return false;
    if (gr === 'namespaces') return true;
    return this.#fullBackup || this.#cluster.includes.some((p) => globMatch(p, gr));
  }

  shouldExclude(gr: string, namespaced: boolean): boolean {
    return namespaced ? this.#namespaced.isExcluded(gr) : this.#cluster.isExcluded(gr);
  }

  mentions(gr: string): boolean {
    return mentioned(gr, this.#cluster) || mentioned(gr, this.#namespaced);
  }
}

function mentioned(gr: string, f: IncludesExcludes): boolean {
  return [...f.includes, ...f.excludes].some((p) => p !== '*' && globMatch(p, gr));
}
