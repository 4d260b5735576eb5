/**
 * @module backup/plan: what to LIST for a backup — which served resources, in which namespaces,
 * with which server-side label selectors — decided once from discovery before collection starts.
 */
import { formatLabelSelector, groupResource, type KubeObject, type LabelSelector, type ResourceInfo } from '../kube/index.ts';
import { hasWildcard } from './glob.ts';
import type { IncludesExcludes, ResourceFilter } from './filters.ts';

/** Velero needs to list, get, create and delete a resource to back it up and restore it. */
const REQUIRED_VERBS = ['list', 'create', 'get', 'delete'];

/**
 * Kinds served by two groups at once are taken once, from the group Velero prefers
 * (core events over events.k8s.io; apps over the long-gone extensions).
 */
const COHABITING: Record<string, string> = {
  'events.events.k8s.io': 'events',
  'deployments.extensions': 'deployments.apps',
  'daemonsets.extensions': 'daemonsets.apps',
  'replicasets.extensions': 'replicasets.apps',
  'networkpolicies.extensions': 'networkpolicies.networking.k8s.io',
};

/** Above this many namespaces, one cluster-wide LIST per resource (filtered here) beats a LIST per namespace. */
const PER_NAMESPACE_LIMIT = 20;

export interface Listing {
  resource: ResourceInfo;
  /** undefined: all namespaces (or a cluster-scoped resource). */
  namespace: string | undefined;
  labelSelector: string | undefined;
}

export interface CollectionPlan {
  resources: ResourceInfo[];
  listings: Listing[];
  /** Namespaces the filter takes, among the active ones (undefined: the filter takes all). */
  namespacesInScope: Set<string> | undefined;
  /** Literal included namespaces that do not exist (Velero logs each as an error). */
  missingNamespaces: string[];
}

export function planCollection(opts: {
  preferred: readonly ResourceInfo[];
  resourceFilter: ResourceFilter;
  namespaceFilter: IncludesExcludes;
  namespaces: readonly KubeObject[];
  labelSelector: LabelSelector | undefined;
  orLabelSelectors: LabelSelector[] | undefined;
}): CollectionPlan {
  const served = new Set(opts.preferred.map((r) => groupResource(r)));
  const resources = orderResources(
    opts.preferred.filter((r) => {
      const gr = groupResource(r);
      if (!REQUIRED_VERBS.every((v) => r.verbs.includes(v))) return false;
      if (COHABITING[gr] && served.has(COHABITING[gr]!)) return false;
      return gr === 'namespaces' || opts.resourceFilter.shouldInclude(gr, r.namespaced);
    }),
  );
  const active = opts.namespaces.filter((n) => (n.status as { phase?: string } | undefined)?.phase !== 'Terminating').map((n) => n.metadata.name!);
  const nsFilter = opts.namespaceFilter;
  const everything = nsFilter.includes.length === 0 || nsFilter.includes.includes('*');
  const namespacesInScope = everything && nsFilter.excludes.length === 0 ? undefined : new Set(active.filter((n) => nsFilter.shouldInclude(n)));
  const missingNamespaces = nsFilter.includes.filter((n) => n !== '*' && !hasWildcard(n) && !active.includes(n));
  const selectors = selectorStrings(opts.labelSelector, opts.orLabelSelectors);
  const listings: Listing[] = [];
  for (const resource of resources) {
    if (groupResource(resource) === 'namespaces') continue; // decided at the end, from what was collected
    const scopes = !resource.namespaced || everything || (namespacesInScope?.size ?? 0) > PER_NAMESPACE_LIMIT ? [undefined] : [...namespacesInScope!].sort();
    for (const namespace of scopes) for (const labelSelector of selectors) listings.push({ resource, namespace, labelSelector });
  }
  return { resources, listings, namespacesInScope, missingNamespaces };
}

/**
 * The exclude label is applied by the server too (`!=` also matches objects without the label),
 * so excluded objects never cross the wire. Or-selectors cost one LIST each, as in Velero.
 */
function selectorStrings(selector: LabelSelector | undefined, or: LabelSelector[] | undefined): Array<string | undefined> {
  const exclude = 'velero.io/exclude-from-backup!=true';
  const withExclude = (s: LabelSelector | undefined): string => [formatLabelSelector(s), exclude].filter(Boolean).join(',');
  if (or?.length) return or.map(withExclude);
  return [withExclude(selector)];
}

/** Discovery order, except pods, then PVCs, then PVs first (Velero's order, which its hooks rely on). */
function orderResources(list: ResourceInfo[]): ResourceInfo[] {
  const first = ['pods', 'persistentvolumeclaims', 'persistentvolumes'];
  const rank = (r: ResourceInfo): number => (r.group === '' && first.includes(r.resource) ? first.indexOf(r.resource) : first.length);
  return list.map((r, i) => ({ r, i })).sort((a, b) => rank(a.r) - rank(b.r) || a.i - b.i).map((x) => x.r);
}
