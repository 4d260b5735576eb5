/**
 * @module backup/engine: collects a backup's objects and streams them into the archive. Pages go
 * from LIST straight to the tar writer (no per-item GET, no temp files); resource types are listed
 * concurrently with a bound; memory holds only keys, names and the related-object lists.
 */
import { groupResource, groupVersion, matchesLabelSelector, type KubeClient, type KubeObject, type ResourceInfo } from '../kube/index.ts';
import { mapLimit, throwIfAborted } from '../util/index.ts';
import { actionApplies, BUILT_IN_BACKUP_ACTIONS, type BackupItemAction, type ResourceIdentifier } from './actions.ts';
import type { OperationLog } from './backup-log.ts';
import { planCollection, type Listing } from './plan.ts';
import { RelatedObjects } from './related.ts';
import type { BackupRequest } from './request.ts';
import type { BackupLike } from './types.ts';
import { VolumeTracker, type BackupVolumeInfo } from './volumes.ts';

/** One object for the archive writer (src/archive's addItem input). */
export interface ArchiveItem {
  groupResource: string;
  namespace?: string;
  name: string;
  version: string;
  preferred: boolean;
  object: KubeObject;
}

export interface BackupProgress {
  itemsBackedUp: number;
  /** An estimate while listing is under way (Velero's "estimated total items"). */
  totalItems: number;
}

export interface BackupEngineOptions {
  client: KubeClient;
  actions?: readonly BackupItemAction[];
  pageSize?: number;
  /** Resource types listed at once. */
  listConcurrency?: number;
}

export interface RunBackupInput {
  backup: BackupLike;
  request: BackupRequest;
  /** Takes items one at a time (the engine never calls it concurrently). */
  write: (item: ArchiveItem) => Promise<void>;
  log: OperationLog;
  onProgress?: (p: BackupProgress) => void;
  signal?: AbortSignal;
}

export interface BackupOutcome extends BackupProgress {
  /** `"<group/version>/<Kind>"` → sorted `ns/name` or `name`: the resource-list sidecar. */
  resourceList: Record<string, string[]>;
  volumeInfo: BackupVolumeInfo[];
}

const CRDS = 'customresourcedefinitions.apiextensions.k8s.io';

export async function runBackup(opts: BackupEngineOptions, input: RunBackupInput): Promise<BackupOutcome> {
  return new BackupRun(opts, input).run();
}

class BackupRun {
  readonly #opts: BackupEngineOptions;
  readonly #in: RunBackupInput;
  readonly #related: RelatedObjects;
  readonly #volumes = new VolumeTracker();
  readonly #seen = new Set<string>();
  readonly #names = new Map<string, string[]>();
  readonly #namespacesWithItems = new Set<string>();
  readonly #groupResourcesWithItems = new Map<string, ResourceInfo>();
  #writing: Promise<void> = Promise.resolve();
  #backedUp = 0;
  #estimated = 0;

  constructor(opts: BackupEngineOptions, input: RunBackupInput) {
    this.#opts = opts;
    this.#in = input;
    this.#related = new RelatedObjects(opts.client, opts.pageSize ?? 500);
  }

  async run(): Promise<BackupOutcome> {
    const { client } = this.#opts;
    const { request, log, signal } = this.#in;
    // Fresh discovery for every backup: a CRD created a moment ago is included (Velero waits up to 5 minutes).
    await client.discovery.refresh(signal);
    for (const f of client.discovery.failures()) log.warn(`API group version ${f.groupVersion} could not be discovered and is not in the backup: ${f.message}`);
    const namespaces = [...(await this.#related.all(this.#ref('namespaces')!, undefined, signal)).values()];
    const plan = planCollection({
      preferred: client.discovery.preferredResources(),
      resourceFilter: request.resources,
      namespaceFilter: request.namespaces,
      namespaces,
      labelSelector: request.labelSelector,
      orLabelSelectors: request.orLabelSelectors,
    });
    const list = (l: readonly string[]): string => (l.length ? l.join(', ') : '<none>');
    log.info(`Starting backup: namespaces included: ${list(request.namespaces.includes)}; excluded: ${list(request.namespaces.excludes)}; ${plan.resources.length} resource types in ${plan.listings.length} lists`);
    for (const ns of plan.missingNamespaces) log.error(`namespace ${ns} is included but does not exist`, { namespace: ns });
    if (request.orderedResources.size > 0) log.info('orderedResources has no effect on what is backed up: the archive is not ordered (backup hooks, which need the order, are not supported yet)');
    const ticker = setInterval(() => this.#report(), 1000);
    try {
      await mapLimit(plan.listings, this.#opts.listConcurrency ?? 8, (listing) => this.#collect(listing));
      await this.#customResourceDefinitions();
      await this.#namespaces(namespaces, plan.namespacesInScope);
      await this.#writing;
    } finally {
      clearInterval(ticker);
    }
    this.#estimated = this.#backedUp;
    this.#report();
    log.info(`Backed up a total of ${this.#backedUp} items`);
    return {
      itemsBackedUp: this.#backedUp,
      totalItems: this.#backedUp,
      resourceList: this.#resourceList(),
      volumeInfo: this.#volumes.volumeInfo(request.snapshotVolumes, log),
    };
  }

  async #collect(listing: Listing): Promise<void> {
    const { resource, namespace, labelSelector } = listing;
    let remaining = 0;
    let warned = false;
    const pages = this.#opts.client.listPages(resource, { namespace, labelSelector, limit: this.#opts.pageSize ?? 500, signal: this.#in.signal });
    for await (const page of pages) {
      if (page.inconsistent && !warned) {
        warned = true;
        this.#in.log.warn(`listing ${groupResource(resource)} outlived its continue token (the API server compacted it); it went on at a newer revision, so objects changed meanwhile may be missing or newer`);
      }
      // The estimate grows by what this page brought and by any change in what the server says remains.
      const rest = page.metadata.remainingItemCount ?? 0;
      this.#estimated += page.items.length + rest - remaining;
      remaining = rest;
      for (const item of page.items) await this.#backUp(resource, item, false);
    }
    const where = namespace ? ` in namespace ${namespace}` : '';
    this.#in.log.info(`Listed ${groupResource(resource)}${where}${labelSelector ? ` with selector ${labelSelector}` : ''}`, { resource: groupResource(resource) });
  }

  /** Velero's per-item steps: inclusion checks, de-duplication, item actions, additional items, write. */
  async #backUp(resource: ResourceInfo, item: KubeObject, mustInclude: boolean): Promise<void> {
    throwIfAborted(this.#in.signal);
    const { request, log } = this.#in;
    const gr = groupResource(resource);
    const ns = item.metadata.namespace;
    if (item.metadata.deletionTimestamp) return;
    if (!mustInclude && item.metadata.labels?.['velero.io/exclude-from-backup'] === 'true') return;
    if (!mustInclude && ns && !request.namespaces.shouldInclude(ns)) return;
    const key = `${resource.group}/${resource.resource}/${ns ?? ''}/${item.metadata.name}`;
    if (this.#seen.has(key)) return;
    this.#seen.add(key);

    let current = item;
    const additional: Array<{ id: ResourceIdentifier; mustInclude: boolean }> = [];
    for (const action of this.#opts.actions ?? BUILT_IN_BACKUP_ACTIONS) {
      if (!actionApplies(action, gr, current)) continue;
      try {
        const result = await action.execute(current, { backup: this.#in.backup, related: this.#related, discovery: this.#opts.client.discovery, log, signal: this.#in.signal });
        if (result.skip) return;
        current = result.item;
        for (const id of result.additionalItems ?? []) additional.push({ id, mustInclude: result.mustIncludeAdditional === true });
      } catch (err) {
        // Velero does not write an item whose action failed; the backup ends PartiallyFailed.
        log.error(`item action ${action.name} failed for ${gr} ${describe(item)}: ${(err as Error).message}`, itemFields(item));
        return;
      }
    }
    for (const extra of additional) await this.#backUpAdditional(extra.id, extra.mustInclude, item);
    if (gr === 'pods') this.#volumes.notePod(current, log);
    if (gr === 'persistentvolumes') this.#volumes.notePersistentVolume(current);
    await this.#write(resource, current);
  }

  async #backUpAdditional(id: ResourceIdentifier, mustInclude: boolean, parent: KubeObject): Promise<void> {
    const { request, log, signal } = this.#in;
    const resource = this.#opts.client.discovery.find(id.group === '' ? id.resource : `${id.resource}.${id.group}`);
    const name = id.namespace ? `${id.namespace}/${id.name}` : id.name;
    if (!resource) {
      log.warn(`${id.resource} ${name}, related to ${describe(parent)}, is of a resource the cluster does not serve`, itemFields(parent));
      return;
    }
    const gr = groupResource(resource);
    if (!mustInclude && request.resources.shouldExclude(gr, resource.namespaced)) return;
    const obj = await this.#related.get(resource, id.name, id.namespace, signal);
    if (!obj) {
      log.warn(`${gr} ${name}, related to ${describe(parent)}, was not found`, itemFields(parent));
      return;
    }
    await this.#backUp(resource, obj, mustInclude);
  }

  /** Writes are chained, so the tar stream sees one item at a time whatever the listing concurrency. */
  #write(resource: ResourceInfo, object: KubeObject): Promise<void> {
    const gr = groupResource(resource);
    const ns = resource.namespaced ? object.metadata.namespace : undefined;
    const item: ArchiveItem = { groupResource: gr, name: object.metadata.name!, version: resource.version, preferred: resource.preferred, object, ...(ns ? { namespace: ns } : {}) };
    this.#in.log.info('Backed up item', { resource: gr, namespace: ns, name: item.name });
    this.#writing = this.#writing.then(() => this.#in.write(item));
    const kindKey = `${groupVersion(resource)}/${resource.kind}`;
    const list = this.#names.get(kindKey) ?? [];
    list.push(ns ? `${ns}/${item.name}` : item.name);
    this.#names.set(kindKey, list);
    if (ns) this.#namespacesWithItems.add(ns);
    if (resource.group !== '') this.#groupResourcesWithItems.set(gr, resource);
    this.#backedUp++;
    return this.#writing;
  }

  /** The CRD of every custom resource in the backup comes along, unless the user decided about CRDs explicitly. */
  async #customResourceDefinitions(): Promise<void> {
    const crdRef = this.#ref(CRDS);
    if (!crdRef || this.#in.request.resources.mentions(CRDS)) return;
    const crds = await this.#related.all(crdRef, undefined, this.#in.signal);
    for (const gr of [...this.#groupResourcesWithItems.keys()].sort()) {
      const crd = crds.get(gr);
      if (crd) await this.#backUp(crdRef, crd, false);
    }
  }

  /**
   * Velero keeps a Namespace object when the namespace holds a backed-up item, or when it is active
   * and selected: by the label selectors, or — unless selectors were given for an all-namespaces
   * backup — by the namespace filter.
   */
  async #namespaces(all: KubeObject[], inScope: Set<string> | undefined): Promise<void> {
    const ref = this.#ref('namespaces')!;
    const { request } = this.#in;
    if (!request.resources.shouldInclude('namespaces', false)) return;
    const selectors = request.orLabelSelectors ?? (request.labelSelector ? [request.labelSelector] : []);
    for (const ns of all) {
      const name = ns.metadata.name!;
      const active = (ns.status as { phase?: string } | undefined)?.phase !== 'Terminating';
      const filtered = inScope ? inScope.has(name) : request.namespaces.shouldInclude(name);
      const bySelector = selectors.some((s) => matchesLabelSelector(ns.metadata.labels, s));
      // With selectors on an all-namespaces backup, a namespace comes only with its items or its own labels.
      const byFilter = selectors.length > 0 && request.allNamespaces ? false : filtered;
      if (this.#namespacesWithItems.has(name) || (active && filtered && (byFilter || bySelector))) await this.#backUp(ref, ns, false);
    }
  }

  #ref(query: string): ResourceInfo | undefined {
    return this.#opts.client.discovery.find(query);
  }

  #resourceList(): Record<string, string[]> {
    const out: Record<string, string[]> = {};
    for (const key of [...this.#names.keys()].sort()) out[key] = [...this.#names.get(key)!].sort();
    return out;
  }

  #report(): void {
    this.#in.onProgress?.({ itemsBackedUp: this.#backedUp, totalItems: Math.max(this.#estimated, this.#backedUp) });
  }
}

function describe(obj: KubeObject): string {
  return obj.metadata.namespace ? `${obj.metadata.namespace}/${obj.metadata.name}` : `${obj.metadata.name}`;
}

function itemFields(obj: KubeObject): { namespace?: string; cluster?: boolean } {
  return obj.metadata.namespace ? { namespace: obj.metadata.namespace } : { cluster: true };
}
