/** @module kube/discovery: every served group, version and resource, from aggregated discovery when offered. */
import type { Transport } from './transport.ts';
import type { ResourceInfo, ServerVersion } from './types.ts';
import { KubeApiError, KubeTransportError } from './errors.ts';
import { abortReason, mapLimit } from '../util/index.ts';
import { parseAggregated, parseLegacyGroupVersion, type AggregatedList, type ApiGroupList, type ApiResourceList } from './discovery-parse.ts';

/**
 * Ask for aggregated discovery (v2, then v2beta1) and accept the classic form as a last resort:
 * a 1.30+ server answers /api and /apis with every resource in two requests instead of one per group version.
 */
const AGGREGATED_ACCEPT = [
  'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList',
  'application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList',
  'application/json',
].join(',');

export interface ApiGroupInfo {
  name: string;
  /** Versions in the server's preference order; the first is the preferred one. */
  versions: string[];
  preferredVersion: string;
}

/** A group version whose resources could not be read (an aggregated API that is down, say). */
export interface DiscoveryFailure {
  groupVersion: string;
  message: string;
}

export interface DiscoveryOptions {
  /** Minimum time between refreshes triggered by a failed lookup, so typos cannot storm the server. */
  missRefreshIntervalMs?: number;
  now?: () => number;
}

/** A snapshot of the server's API surface, refreshed on demand (e.g. right after a CRD is created). */
export class Discovery {
  readonly #transport: Transport;
  readonly #opts: DiscoveryOptions;
  #groups: ApiGroupInfo[] = [];
  #resources: ResourceInfo[] = [];
  #failures: DiscoveryFailure[] = [];
  #fetchedAt: number | undefined;
  /** The most recent read (running or finished); a new read starts only after it. */
  #last: Promise<void> = Promise.resolve();
  /** A read that has not begun yet, shared by everyone who asks meanwhile. */
  #next: Promise<void> | undefined;
  #aggregated = false;

  constructor(transport: Transport, opts: DiscoveryOptions = {}) {
    this.#transport = transport;
    this.#opts = opts;
  }

  /**
   * Reads discovery again. The read always starts after this call (a CRD created just before is
   * seen), and concurrent callers share reads: at most one runs and one more waits behind it.
   * A caller's signal abandons only its own wait, never the shared read.
   */
  refresh(signal?: AbortSignal): Promise<void> {
    if (!this.#next) {
      const next: Promise<void> = this.#last.catch(() => undefined).then(() => {
        this.#next = undefined; // this read has begun: later callers need a read of their own
        return this.#load();
      });
      this.#next = next;
      this.#last = next;
    }
    return signal ? abandonable(this.#next, signal) : this.#next;
  }

  /** Loads discovery once; later calls return the cached snapshot. */
  async ensure(signal?: AbortSignal): Promise<void> {
    if (this.#fetchedAt === undefined) await this.refresh(signal);
  }

  get fetchedAt(): number | undefined {
    return this.#fetchedAt;
  }

  /** True when the last refresh used aggregated discovery. */
  get aggregated(): boolean {
    return this.#aggregated;
  }

  groups(): readonly ApiGroupInfo[] {
    return this.#groups;
  }

  /** Every resource in every served version (subresources excluded). */
  allResources(): readonly ResourceInfo[] {
    return this.#resources;
  }

  /**
   * One entry per group and resource: the preferred version's, or, for a resource the preferred
   * version does not serve, the most preferred version that serves it (client-go's ServerPreferredResources).
   */
  preferredResources(): ResourceInfo[] {
    // The group's preferred version first (it need not be listed first), then the server's version order.
    const order = new Map(this.#groups.map((g) => [g.name, g.versions] as const));
    const rank = (r: ResourceInfo): number => (r.preferred ? -1 : (order.get(r.group)?.indexOf(r.version) ?? 0));
    const best = new Map<string, ResourceInfo>();
    for (const r of this.#resources) {
      const key = `${r.resource}.${r.group}`;
      const current = best.get(key);
      if (!current || rank(r) < rank(current)) best.set(key, r);
    }
    return [...best.values()];
  }

  /** Group versions that failed to load in the last refresh. */
  failures(): readonly DiscoveryFailure[] {
    return this.#failures;
  }

  /**
   * Finds a resource the way kubectl and Velero's filters name them: plural, singular, short name or
   * kind, optionally qualified by group (`deployments.apps`) or by version and group (`deployments.v1.apps`).
   * Case-insensitive. Returns the preferred version unless the query names a version.
   */
  find(query: string): ResourceInfo | undefined {
    const q = query.trim().toLowerCase();
    if (!q) return undefined;
    const candidates = this.#candidates(q);
    const preferred = candidates.find((r) => r.preferred) ?? candidates[0];
    return preferred;
  }

  /** Like find(), but refreshes discovery once on a miss (a CRD may have just appeared). */
  async resolve(query: string, signal?: AbortSignal): Promise<ResourceInfo> {
    await this.ensure(signal);
    let found = this.find(query);
    const now = (this.#opts.now ?? Date.now)();
    const minAge = this.#opts.missRefreshIntervalMs ?? 1000;
    if (!found && (this.#fetchedAt === undefined || now - this.#fetchedAt >= minAge)) {
      await this.refresh(signal);
      found = this.find(query);
    }
    if (!found) {
      throw new KubeApiError({
        method: 'GET',
        path: '/apis',
        code: 404,
        status: { reason: 'NotFound', message: `the server doesn't have a resource type "${query}"` },
      });
    }
    return found;
  }

  /** The resource serving a kind in a group version (for an object's apiVersion + kind). */
  forKind(group: string, version: string, kind: string): ResourceInfo | undefined {
    return this.#resources.find((r) => r.group === group && r.version === version && r.kind === kind);
  }

  /** GET /version. */
  serverVersion(signal?: AbortSignal): Promise<ServerVersion> {
    return this.#transport.json<ServerVersion>({ method: 'GET', path: '/version', ...(signal ? { signal } : {}) });
  }

  #candidates(q: string): ResourceInfo[] {
    const all = this.#resources;
    const byName = (name: string, list: readonly ResourceInfo[]): ResourceInfo[] =>
      list.filter(
        (r) => r.resource === name || r.singular === name || r.kind.toLowerCase() === name || r.shortNames.includes(name),
      );
    const direct = byName(q, all);
    if (direct.length > 0) {
      // An unqualified name that several groups serve (e.g. `events`): prefer the core group, then the first group.
      const core = direct.filter((r) => r.group === '');
      return core.length > 0 ? core : direct.filter((r) => r.group === direct[0]!.group);
    }
    const dot = q.indexOf('.');
    if (dot < 0) return [];
    const name = q.slice(0, dot);
    const rest = q.slice(dot + 1);
    const inGroup = byName(name, all.filter((r) => r.group === rest));
    if (inGroup.length > 0) return inGroup;
    // `name.version.group`, e.g. deployments.v1.apps or cronjobs.v1.batch
    const dot2 = rest.indexOf('.');
    if (dot2 < 0) return byName(name, all.filter((r) => r.group === '' && r.version === rest));
    const version = rest.slice(0, dot2);
    const group = rest.slice(dot2 + 1);
    return byName(name, all.filter((r) => r.group === group && r.version === version)).map((r) => ({ ...r, preferred: true }));
  }

  async #load(): Promise<void> {
    const get = <T>(path: string, accept?: string): Promise<T> => this.#transport.json<T>({ method: 'GET', path, ...(accept ? { accept } : {}) });
    const [core, groups] = await Promise.all([
      get<AggregatedList | { kind?: string; versions?: string[] }>('/api', AGGREGATED_ACCEPT),
      get<AggregatedList | ApiGroupList>('/apis', AGGREGATED_ACCEPT),
    ]);
    if (core.kind === 'APIGroupDiscoveryList' && groups.kind === 'APIGroupDiscoveryList') {
      const a = parseAggregated([core as AggregatedList, groups as AggregatedList]);
      this.#set(a.groups, a.resources, a.failures, true);
      return;
    }
    await this.#loadLegacy(get, core as { versions?: string[] }, groups as ApiGroupList);
  }

  async #loadLegacy(
    get: <T>(path: string) => Promise<T>,
    core: { versions?: string[] },
    apiGroups: ApiGroupList,
  ): Promise<void> {
    const groups: ApiGroupInfo[] = [{ name: '', versions: core.versions ?? ['v1'], preferredVersion: core.versions?.[0] ?? 'v1' }];
    for (const g of apiGroups.groups ?? []) {
      const versions = (g.versions ?? []).map((v) => v.version);
      groups.push({ name: g.name, versions, preferredVersion: g.preferredVersion?.version ?? versions[0] ?? '' });
    }
    const targets = groups.flatMap((g) => g.versions.map((v) => ({ group: g.name, version: v, preferred: v === g.preferredVersion })));
    const failures: DiscoveryFailure[] = [];
    const lists = await mapLimit(targets, 16, async (t) => {
      const gv = t.group === '' ? t.version : `${t.group}/${t.version}`;
      try {
        const list = await get<ApiResourceList>(t.group === '' ? `/api/${t.version}` : `/apis/${gv}`);
        return parseLegacyGroupVersion(t.group, t.version, t.preferred, list);
      } catch (err) {
        // A closed client is not a broken group version: fail the refresh and keep the previous snapshot.
        if (err instanceof KubeTransportError && err.reason === 'Aborted') throw err;
        // One broken aggregated API (metrics-server down, say) must not hide the rest of the cluster.
        failures.push({ groupVersion: gv, message: err instanceof Error ? err.message : String(err) });
        return [];
      }
    });
    this.#set(groups, lists.flat(), failures, false);
  }

  #set(groups: ApiGroupInfo[], resources: ResourceInfo[], failures: DiscoveryFailure[], aggregated: boolean): void {
    this.#groups = groups;
    this.#resources = resources;
    this.#failures = failures;
    this.#aggregated = aggregated;
    this.#fetchedAt = (this.#opts.now ?? Date.now)();
  }
}

/** Waits for `p` unless `signal` aborts first; `p` itself carries on for its other waiters. */
function abandonable<T>(p: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(abortReason(signal));
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(abortReason(signal));
    signal.addEventListener('abort', onAbort, { once: true });
    p.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}
