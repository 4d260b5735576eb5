/**
 * @module restore/restore-item: one backed-up object from the archive to the cluster, in Velero's steps:
 * inclusion checks, skip rules, PersistentVolume decisions, metadata stripping, item actions (and the
 * additional items they name, restored first), claim fixes, resource modifiers, target namespace and
 * restore labels, then CREATE — with 409 meaning "exists" — and the existing-resource policy.
 */
import { isAlreadyExists, type KubeClient, type KubeObject, type ResourceInfo } from '../kube/index.ts';
import { actionApplies, RelatedObjects, type OperationLog } from '../backup/index.ts';
import type { ClusterView, RestoreItemAction, ResourceIdentifier } from './actions/types.ts';
import { ExistingObjects, reconcileExisting, UNKNOWN } from './existing.ts';
import { addLabels, decidePersistentVolume, describeObject, fixClaim, resetVolumeBinding, skipReason, stripForCreate, wantsStatus, type VolumeInfoLike } from './item.ts';
import { applyResourceModifiers } from './modifiers/index.ts';
import type { NamespaceEnsurer } from './namespaces.ts';
import type { RestoreRequest } from './request.ts';
import type { RestoreResults } from './results.ts';
import type { BackupSource, IndexedItem } from './source.ts';
import type { ItemOutcome, RestoreLike } from './types.ts';
import { CRDS } from './priorities.ts';
import { AlreadyReportedError, type ResourceResolver } from './resolver.ts';

/** What every item of one restore shares. */
export interface RunState {
  client: KubeClient;
  request: RestoreRequest;
  restore: RestoreLike;
  log: OperationLog;
  results: RestoreResults;
  source: BackupSource;
  namespaces: NamespaceEnsurer;
  existing: ExistingObjects;
  resolver: ResourceResolver;
  actions: readonly RestoreItemAction[];
  volumeInfo: ReadonlyMap<string, VolumeInfoLike>;
  labels: Record<string, string>;
  serverNamespace: string;
  pageSize: number;
  /** The version directory read for a group-resource. */
  dirFor: (groupResource: string) => string | undefined;
  signal?: AbortSignal | undefined;
}

export class ItemRestorer {
  readonly #s: RunState;
  readonly #claims = new Map<string, Promise<void>>();
  readonly toProvision = new Set<string>();
  readonly renamed = new Map<string, string>();
  /** CRDs created or found, to wait for before their custom resources. */
  readonly crds = new Set<string>();
  #cluster: ClusterView;

  constructor(state: RunState) {
    this.#s = state;
    this.#cluster = this.freshView();
  }

  /** A new cached view of the cluster for the item actions (each tier sees what earlier tiers created). */
  freshView(): ClusterView {
    const related = new RelatedObjects(this.#s.client, this.#s.pageSize);
    const discovery = this.#s.client.discovery;
    this.#cluster = {
      get: (ref, name, namespace) => related.get(ref, name, namespace, this.#s.signal),
      list: async (ref, namespace) => [...(await related.all(ref, ref.namespaced ? namespace : undefined, this.#s.signal)).values()],
      resource: (name) => discovery.find(name),
    };
    return this.#cluster;
  }

  claimed(item: IndexedItem): boolean {
    return this.#claims.has(claimKey(item.groupResource, this.#target(item.namespace), item.name));
  }

  /** Restores a selected item of the tier being worked on; the item's JSON is in memory. */
  restore(item: IndexedItem): Promise<void> {
    return this.#claim(item, () => this.#restore(item, false));
  }

  /** Restores the additional items an action named (they bypass the label selector, not the other filters). */
  async #additional(ids: readonly ResourceIdentifier[], parent: string): Promise<void> {
    for (const id of ids) {
      const gr = id.group ? `${id.resource}.${id.group}` : id.resource;
      const item = this.#s.source.find(gr, this.#s.dirFor(gr), id.namespace || undefined, id.name);
      if (!item) {
        this.#s.log.warn(`${gr} ${describeObject(id.namespace, id.name)}, needed by ${parent}, is not in the backup`, fields(this.#target(id.namespace)));
        continue;
      }
      const k = claimKey(gr, this.#target(item.namespace), item.name);
      if (!this.#claims.has(k)) this.#s.results.expect(1);
      await this.#claim(item, async () => {
        await this.#s.source.load([item]);
        await this.#restore(item, true);
      });
    }
  }

  #claim(item: IndexedItem, run: () => Promise<void>): Promise<void> {
    const k = claimKey(item.groupResource, this.#target(item.namespace), item.name);
    let p = this.#claims.get(k);
    if (!p) {
      p = run().finally(() => this.#s.source.release(item));
      this.#claims.set(k, p);
    }
    return p;
  }

  async #restore(item: IndexedItem, additional: boolean): Promise<void> {
    const { log } = this.#s;
    const gr = item.groupResource;
    const target = this.#target(item.namespace);
    const label = `${gr} ${describeObject(target, item.name)}`;
    if (additional && !this.#admitsAdditional(item)) return;
    const obj = this.#s.source.parse(item) as unknown as KubeObject;
    const skip = skipReason(gr, obj);
    let key = `${obj.apiVersion}/${obj.kind}`;
    if (skip) {
      log.info(`not restoring ${label}: ${skip.reason}`, fields(target));
      // Velero records what it skips after registering the item (mirror pods), not completed pods or jobs.
      if (skip.recorded) this.#s.results.record(key, target, item.name, 'skipped');
      return;
    }
    try {
      const prepared = await this.#prepare(item, obj, label);
      if (prepared === 'skipped') {
        this.#s.results.record(key, target, item.name, 'skipped');
        return;
      }
      key = `${prepared.desired.apiVersion}/${prepared.desired.kind}`;
      const outcome = await this.#write(prepared.ref, gr, prepared.desired, prepared.status, prepared.keepStatus);
      this.#s.results.record(key, target, item.name, outcome);
      if (outcome === 'created' || outcome === 'updated') log.info(`Restored ${label} (${outcome})`, fields(target));
    } catch (err) {
      if (!(err instanceof AlreadyReportedError)) log.error(`error restoring ${label}: ${(err as Error).message}`, fields(target));
      this.#s.results.record(key, target, item.name, 'failed');
    }
  }

  /** Velero's re-check for additional items: resource and namespace filters and `includeClusterResources: false` still apply. */
  #admitsAdditional(item: IndexedItem): boolean {
    const { request } = this.#s;
    if (!request.resources.shouldInclude(item.groupResource)) return false;
    if (item.namespace !== undefined) return request.namespaces.shouldInclude(item.namespace);
    return request.includeClusterResources !== false;
  }

  /** The object to write, or 'skipped' when a PV decision or an item action means nothing is created. */
  async #prepare(item: IndexedItem, obj: KubeObject, label: string): Promise<{ desired: KubeObject; ref: ResourceInfo; status: unknown; keepStatus: boolean } | 'skipped'> {
    const { request, log } = this.#s;
    const gr = item.groupResource;
    const target = this.#target(item.namespace);
    // The pristine copy few actions read is parsed again from the archive's bytes only when one asks.
    let pristine: KubeObject | undefined;
    const fromBackup = (): KubeObject => (pristine ??= this.#s.source.parse(item) as unknown as KubeObject);
    if (gr === 'persistentvolumes' && !this.#persistentVolume(obj, label)) return 'skipped';
    const status = stripForCreate(obj);
    const keepStatus = status !== undefined && wantsStatus(obj, request.statusResources?.shouldInclude(gr) ?? false);
    let current = obj;
    for (const action of this.#s.actions) {
      if (!actionApplies(action, gr, current)) continue;
      const result = await action.execute(current, {
        restore: this.#s.restore as RestoreLike & { metadata: { name?: string } },
        backup: request.backup,
        get itemFromBackup() {
          return fromBackup();
        },
        namespaceMapping: request.namespaceMapping,
        serverNamespace: this.#s.serverNamespace,
        cluster: this.#cluster,
        warn: (m) => log.warn(m, fields(target)),
      });
      if (result.skip) {
        log.info(`not restoring ${label}: item action ${action.name} skips it`, fields(target));
        return 'skipped';
      }
      current = result.item;
      if (result.additionalItems?.length) await this.#additional(result.additionalItems, label);
    }
    if (gr === 'persistentvolumeclaims') fixClaim(current, this.toProvision, this.renamed);
    if (request.modifiers) current = this.#modify(current, gr, item.namespace, target);
    if (target !== undefined) current.metadata.namespace = target;
    addLabels(current, this.#s.labels);
    const ref = this.#s.resolver.resolve(gr, current, fields(target));
    if (ref.namespaced && target) await this.#s.namespaces.ensure(target, this.#backedUpNamespace(item.namespace));
    return { desired: current, ref, status, keepStatus };
  }

  /** False when the PV is not to be created (its claim gets a new volume, or its snapshot cannot be restored). */
  #persistentVolume(pv: KubeObject, label: string): boolean {
    const { request, log } = this.#s;
    const decision = decidePersistentVolume(pv, this.#s.volumeInfo.get(pv.metadata.name!), request.restorePVs);
    if (decision.kind === 'provision') {
      this.toProvision.add(pv.metadata.name!);
      log.info(`not restoring ${label}: ${decision.reason}`, { cluster: true });
      return false;
    }
    if (decision.kind === 'snapshot') {
      throw new Error('its data is in a native volume snapshot, and no volume snapshotter plugin is available to restore it (restore with --restore-volumes=false to recreate the PersistentVolume object as it was)');
    }
    resetVolumeBinding(pv, request.namespaceMapping);
    return true;
  }

  #modify(obj: KubeObject, gr: string, originalNamespace: string | undefined, target: string | undefined): KubeObject {
    const out = applyResourceModifiers(this.#s.request.modifiers!, obj, { groupResource: gr, namespace: originalNamespace });
    for (const e of out.errors) this.#s.log.error(`resource modifier: ${e}`, fields(target));
    return out.object as KubeObject;
  }

  async #write(ref: ResourceInfo, gr: string, desired: KubeObject, status: unknown, keepStatus: boolean): Promise<ItemOutcome> {
    const { client, existing: cache, signal } = this.#s;
    const ns = ref.namespaced ? desired.metadata.namespace : undefined;
    const name = desired.metadata.name!;
    const statusSub = ref.subresources.includes('status');
    let existing = await cache.lookup(ref, ns, name, signal);
    if (existing === UNKNOWN || existing === undefined) {
      try {
        // Without a status subresource the status is part of the object and goes with the CREATE.
        const body = keepStatus && !statusSub ? { ...desired, status } : desired;
        if (keepStatus && statusSub) await this.#restoreStatus(ref, await client.create(ref, body, { namespace: ns, signal }), status);
        else await client.createOnly(ref, body, { namespace: ns, signal });
        if (gr === CRDS) this.crds.add(name);
        return 'created';
      } catch (err) {
        if (!isAlreadyExists(err) && !(gr === 'services' && /provided port is already allocated/.test((err as Error).message))) throw err;
        existing = await cache.fetch(ref, ns, name, signal);
        if (!existing) throw err;
      }
    }
    if (gr === CRDS) this.crds.add(name);
    return reconcileExisting({
      client,
      ref,
      groupResource: gr,
      existing,
      desired,
      policy: this.#s.request.existingPolicy,
      restoreName: this.#s.request.name,
      labels: this.#s.labels,
      log: this.#s.log,
      signal,
    });
  }

  async #restoreStatus(ref: ResourceInfo, created: KubeObject, status: unknown): Promise<void> {
    const ns = created.metadata.namespace;
    try {
      await this.#s.client.updateStatus(ref, { ...created, status } as KubeObject, { namespace: ns, signal: this.#s.signal });
    } catch (err) {
      this.#s.log.warn(`could not restore the status of ${ref.resource} ${describeObject(ns, created.metadata.name!)}: ${(err as Error).message}`, fields(ns));
    }
  }

  #backedUpNamespace(source: string | undefined): KubeObject | undefined {
    if (!source) return undefined;
    const item = this.#s.source.find('namespaces', this.#s.dirFor('namespaces'), undefined, source);
    return item?.raw ? (this.#s.source.parse(item) as unknown as KubeObject) : undefined;
  }

  #target(namespace: string | undefined): string | undefined {
    return namespace === undefined ? undefined : (this.#s.request.namespaceMapping[namespace] ?? namespace);
  }
}

function claimKey(gr: string, namespace: string | undefined, name: string): string {
  return `${gr}\u0000${namespace ?? ''}\u0000${name}`;
}

export function fields(namespace: string | undefined): { namespace?: string; cluster?: boolean } {
  return namespace ? { namespace } : { cluster: true };
}

