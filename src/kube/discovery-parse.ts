/** @module kube/discovery-parse: pure conversion of the two discovery wire formats into ResourceInfo. */
import type { ResourceInfo } from './types.ts';

/** apidiscovery.k8s.io v2 / v2beta1 APIGroupDiscoveryList. */
export interface AggregatedList {
  kind: 'APIGroupDiscoveryList';
  items?: Array<{
    metadata?: { name?: string };
    versions?: Array<{
      version: string;
      freshness?: 'Current' | 'Stale';
      resources?: Array<{
        resource: string;
        responseKind?: { group?: string; version?: string; kind?: string };
        scope?: 'Cluster' | 'Namespaced';
        singularResource?: string;
        verbs?: string[];
        shortNames?: string[];
        categories?: string[];
        subresources?: Array<{ subresource: string }>;
      }>;
    }>;
  }>;
}

/** The classic /apis answer. */
export interface ApiGroupList {
  kind?: 'APIGroupList';
  groups?: Array<{
    name: string;
    versions?: Array<{ groupVersion: string; version: string }>;
    preferredVersion?: { groupVersion: string; version: string };
  }>;
}

/** The classic /api/v1 or /apis/<group>/<version> answer. */
export interface ApiResourceList {
  groupVersion?: string;
  resources?: Array<{
    name: string;
    singularName?: string;
    namespaced: boolean;
    kind: string;
    verbs?: string[];
    shortNames?: string[];
    categories?: string[];
  }>;
}

export interface ParsedAggregated {
  groups: Array<{ name: string; versions: string[]; preferredVersion: string }>;
  resources: ResourceInfo[];
  failures: Array<{ groupVersion: string; message: string }>;
}

/**
 * Aggregated lists give versions in preference order; the first one is preferred. A version marked
 * Stale (its aggregated API server is not answering) is reported as a failure and skipped, as client-go does.
 */
export function parseAggregated(lists: AggregatedList[]): ParsedAggregated {
  const out: ParsedAggregated = { groups: [], resources: [], failures: [] };
  for (const list of lists) {
    for (const item of list.items ?? []) {
      const group = item.metadata?.name ?? '';
      // Stale versions are left out entirely: their resources cannot be served, and the preferred
      // version is the first one that is not stale (client-go's convertAPIGroup).
      const current: NonNullable<typeof item.versions> = [];
      for (const v of item.versions ?? []) {
        const gv = group === '' ? v.version : `${group}/${v.version}`;
        if (v.freshness === 'Stale') out.failures.push({ groupVersion: gv, message: `discovery information for ${gv} is stale` });
        else current.push(v);
      }
      const versions = current.map((v) => v.version);
      if (versions.length === 0) continue;
      out.groups.push({ name: group, versions, preferredVersion: versions[0]! });
      for (const [i, v] of current.entries()) {
        for (const r of v.resources ?? []) {
          out.resources.push({
            group,
            version: v.version,
            resource: r.resource,
            // A few resources report another kind's group/version (e.g. scale); the kind is what matters here.
            kind: r.responseKind?.kind ?? '',
            namespaced: r.scope === 'Namespaced',
            singular: r.singularResource ?? '',
            verbs: r.verbs ?? [],
            shortNames: r.shortNames ?? [],
            categories: r.categories ?? [],
            subresources: (r.subresources ?? []).map((s) => s.subresource),
            preferred: i === 0,
          });
        }
      }
    }
  }
  return out;
}

/** Converts one classic APIResourceList; `pods/exec` style entries become subresources of their parent. */
export function parseLegacyGroupVersion(group: string, version: string, preferred: boolean, list: ApiResourceList): ResourceInfo[] {
  const byName = new Map<string, ResourceInfo>();
  const subs: Array<[string, string]> = [];
  for (const r of list.resources ?? []) {
    const slash = r.name.indexOf('/');
    if (slash >= 0) {
      subs.push([r.name.slice(0, slash), r.name.slice(slash + 1)]);
      continue;
    }
    byName.set(r.name, {
      group,
      version,
      resource: r.name,
      kind: r.kind,
      namespaced: r.namespaced,
      // Old servers leave singularName empty; kubectl then uses the lower-cased kind.
      singular: r.singularName || r.kind.toLowerCase(),
      verbs: r.verbs ?? [],
      shortNames: r.shortNames ?? [],
      categories: r.categories ?? [],
      subresources: [],
      preferred,
    });
  }
  for (const [parent, sub] of subs) byName.get(parent)?.subresources.push(sub);
  return [...byName.values()];
}
