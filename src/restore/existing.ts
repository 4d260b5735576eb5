/**
 * @module restore/existing: objects that are already in the cluster. Whether an object exists is decided
 * from one LIST per resource and namespace (never a GET per item), or, in a namespace this restore created,
 * by the CREATE itself (409 means "exists"). What then happens follows Velero's existing-resource policy:
 * unset or `none` leaves the object alone (warning when it differs), `update` patches it to the backup.
 */
import { groupResource, isNotFound, objectKey, type KubeClient, type KubeObject, type ResourceRef } from '../kube/index.ts';
import type { OperationLog } from '../backup/index.ts';
import { comparable, describeObject } from './item.ts';
import { createMergePatch } from './modifiers/index.ts';
import type { ExistingPolicy } from './request.ts';
import type { ItemOutcome } from './types.ts';
import { LABEL_RESTORE_NAME } from '../api/index.ts';

/** Not listed: the CREATE will tell. */
export const UNKNOWN = Symbol('unknown');

/** More target namespaces than this for one resource: one cluster-wide LIST instead of one per namespace. */
const WIDE_LIST_NAMESPACES = 8;
/** The scope of a cluster-wide LIST of a namespaced resource. */
const ALL_NAMESPACES = '\u0000all';

export class ExistingObjects {
  readonly #client: KubeClient;
  readonly #pageSize: number;
  readonly #fresh: ReadonlySet<string>;
  readonly #lists = new Map<string, Promise<Map<string, KubeObject>>>();
  /** Per group-resource: the target namespaces the current tier restores into (fresh ones left out). */
  readonly #plans = new Map<string, Set<string>>();
  #listCount = 0;

  /** `freshNamespaces`: namespaces this restore created, where nothing needs listing. */
  constructor(client: KubeClient, pageSize: number, freshNamespaces: ReadonlySet<string>) {
    this.#client = client;
    this.#pageSize = pageSize;
    this.#fresh = freshNamespaces;
  }

  get listsMade(): number {
    return this.#listCount;
  }

  /**
   * Before a tier: the namespaces its items of one resource go to. With many of them, the first lookup lists
   * the resource once across the cluster (keeping only those namespaces) rather than once per namespace.
   */
  plan(groupResource: string, targetNamespaces: Iterable<string>): void {
    const wanted = new Set([...targetNamespaces].filter((ns) => !this.#fresh.has(ns)));
    this.#plans.set(groupResource, wanted);
  }

  /** After a tier: its lists are no longer needed (a later lookup, e.g. for an additional item, lists again). */
  release(groupResource: string): void {
    this.#plans.delete(groupResource);
    for (const k of [...this.#lists.keys()]) if (k.startsWith(`${groupResource}|`)) this.#lists.delete(k);
  }

  /** The in-cluster object, undefined when the LIST did not have it, UNKNOWN when nothing was listed. */
  async lookup(ref: ResourceRef, namespace: string | undefined, name: string, signal?: AbortSignal): Promise<KubeObject | undefined | typeof UNKNOWN> {
    if (ref.namespaced && namespace && this.#fresh.has(namespace)) return UNKNOWN;
    const list = await this.#list(ref, this.#scope(ref, namespace), signal);
    return list.get(objectKey({ namespace: ref.namespaced ? namespace : undefined, name }));
  }

  /** After a 409: the listed copy when there is one, else a GET (the object appeared after the LIST). */
  async fetch(ref: ResourceRef, namespace: string | undefined, name: string, signal?: AbortSignal): Promise<KubeObject | undefined> {
    const listed = this.#lists.get(listKey(ref, this.#scope(ref, namespace)));
    const found = listed ? (await listed).get(objectKey({ namespace: ref.namespaced ? namespace : undefined, name })) : undefined;
    if (found) return found;
    try {
      return await this.#client.get(ref, name, { namespace: ref.namespaced ? namespace : undefined, signal });
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  #scope(ref: ResourceRef, namespace: string | undefined): string | undefined {
    if (!ref.namespaced) return undefined;
    const plan = this.#plans.get(groupResource(ref));
    return plan && plan.size > WIDE_LIST_NAMESPACES && namespace !== undefined && plan.has(namespace) ? ALL_NAMESPACES : namespace;
  }

  #list(ref: ResourceRef, scope: string | undefined, signal?: AbortSignal): Promise<Map<string, KubeObject>> {
    const k = listKey(ref, scope);
    let list = this.#lists.get(k);
    if (!list) {
      this.#listCount++;
      const wide = scope === ALL_NAMESPACES;
      const keep = wide ? this.#plans.get(groupResource(ref)) : undefined;
      list = (async () => {
        const out = new Map<string, KubeObject>();
        const namespace = wide ? undefined : scope;
        for await (const obj of this.#client.listAll(ref, { namespace, limit: this.#pageSize, signal })) {
          // A cluster-wide list keeps only the namespaces restored into: memory follows the restore, not the cluster.
          if (keep && !keep.has(obj.metadata.namespace ?? '')) continue;
          out.set(objectKey(obj.metadata), obj);
        }
        return out;
      })();
      list.catch(() => this.#lists.delete(k));
      this.#lists.set(k, list);
    }
    return list;
  }
}

function listKey(ref: ResourceRef, scope: string | undefined): string {
  return `${groupResource(ref)}|${ref.version}|${scope ?? ''}`;
}

export interface ReconcileInput {
  client: KubeClient;
  ref: ResourceRef;
  groupResource: string;
  existing: KubeObject;
  desired: KubeObject;
  policy: ExistingPolicy;
  restoreName: string;
  labels: Record<string, string>;
  log: OperationLog;
  signal?: AbortSignal | undefined;
}

/** Decides about an object that already exists; returns what the resource list records. */
export async function reconcileExisting(i: ReconcileInput): Promise<ItemOutcome> {
  const { existing, desired, log } = i;
  const ns = desired.metadata.namespace;
  const where = ns ? { namespace: ns } : { cluster: true };
  const what = `${desired.kind ?? i.groupResource} ${describeObject(ns, desired.metadata.name!)}`;
  // Created by this very restore (a resumed run, or a CREATE retried after a lost answer).
  if (existing.metadata.labels?.[LABEL_RESTORE_NAME] === i.labels[LABEL_RESTORE_NAME]) return 'created';
  if (i.groupResource === 'persistentvolumes') {
    const rebound = await rebindReleasedVolume(i);
    if (rebound) return rebound;
  }
  if (i.groupResource === 'services') adoptAllocated(existing, desired);
  const same = deepEqual(comparable(existing, i.labels), comparable(desired, i.labels));
  if (same) {
    log.info(`${what} already exists and is the same as the backed-up version`, where);
    // With policy update only the restore labels are written; like Velero, nothing else was done: skipped.
    if (i.policy !== 'update') return 'skipped';
    return (await patch(i, { metadata: { labels: i.labels } })) ? 'skipped' : 'failed';
  }
  if (i.groupResource === 'serviceaccounts') return mergeServiceAccount(i, what, where);
  if (i.policy !== 'update') {
    const name = i.policy === 'none' ? `${desired.kind} "${desired.metadata.name}"` : `${desired.kind}:${desired.metadata.name}`;
    log.warn(`could not restore, ${name} already exists. Warning: the in-cluster version is different than the backed-up version`, where);
    return 'failed';
  }
  const body = createMergePatch(comparable(existing, {}), comparable(desired, {}));
  if (await patch(i, body)) return 'updated';
  // The item is not what the backup says, whatever the labels: Velero's warning, recorded as failed.
  const labelled = await patch(i, { metadata: { labels: i.labels } });
  log.warn(`could not update ${what} to the backed-up version${labelled ? '; only the restore labels were set' : ''}`, where);
  return 'failed';
}

type ServiceSpec = { clusterIP?: string; clusterIPs?: string[]; healthCheckNodePort?: number; ports?: Array<{ name?: string; port?: number; nodePort?: number }> };

/**
 * The Service restore action drops what the cluster allocates (cluster IPs, node ports unless preserved); an
 * existing Service keeps its own. Taking them over before comparing means an unchanged Service is "the same"
 * (Velero warns about every one) and an update patch never tries to change them.
 */
function adoptAllocated(existing: KubeObject, desired: KubeObject): void {
  const have = (existing.spec ?? {}) as ServiceSpec;
  const want = (desired.spec ??= {}) as ServiceSpec;
  if (want.clusterIP === undefined && have.clusterIP !== undefined) want.clusterIP = have.clusterIP;
  if (want.clusterIPs === undefined && have.clusterIPs !== undefined) want.clusterIPs = [...have.clusterIPs];
  if (want.healthCheckNodePort === undefined && have.healthCheckNodePort !== undefined) want.healthCheckNodePort = have.healthCheckNodePort;
  for (const p of want.ports ?? []) {
    if (p.nodePort !== undefined) continue;
    const same = (have.ports ?? []).find((q) => q.name === p.name && q.port === p.port);
    if (same?.nodePort !== undefined) p.nodePort = same.nodePort;
  }
}

/**
 * Velero's ServiceAccount merge: the in-cluster account keeps what it has and gains the backed-up
 * secrets, image pull secrets, labels and annotations it lacks.
 */
async function mergeServiceAccount(i: ReconcileInput, what: string, where: { namespace?: string; cluster?: boolean }): Promise<ItemOutcome> {
  type Ref = { name?: string };
  const cur = i.existing as KubeObject & { secrets?: Ref[]; imagePullSecrets?: Ref[] };
  // The object after the item actions: a token secret the service-account action dropped stays dropped.
  const src = i.desired as KubeObject & { secrets?: Ref[]; imagePullSecrets?: Ref[] };
  const add = (have: Ref[] | undefined, more: Ref[] | undefined): Ref[] | undefined => {
    const names = new Set((have ?? []).map((r) => r.name));
    const extra = (more ?? []).filter((r) => !names.has(r.name));
    return extra.length ? [...(have ?? []), ...extra] : undefined;
  };
  const body: Record<string, unknown> = {};
  const secrets = add(cur.secrets, src.secrets);
  const pulls = add(cur.imagePullSecrets, src.imagePullSecrets);
  if (secrets) body.secrets = secrets;
  if (pulls) body.imagePullSecrets = pulls;
  const missing = (have: Record<string, string> | undefined, more: Record<string, string> | undefined): Record<string, string> =>
    Object.fromEntries(Object.entries(more ?? {}).filter(([k]) => have?.[k] === undefined));
  // The restore labels are not merged in: Velero compares against the in-cluster copy with them already added.
  const labels = missing({ ...cur.metadata.labels, ...i.labels }, src.metadata.labels);
  const annotations = missing(cur.metadata.annotations, src.metadata.annotations);
  const metadata: Record<string, unknown> = {};
  if (Object.keys(labels).length) metadata.labels = labels;
  if (Object.keys(annotations).length) metadata.annotations = annotations;
  if (Object.keys(metadata).length) body.metadata = metadata;
  if (Object.keys(body).length === 0) {
    i.log.info(`${what} already exists; nothing of the backed-up version is missing from it`, where);
    return 'skipped';
  }
  if (await patch(i, body)) return 'updated';
  i.log.warn(`could not merge the backed-up ${what} into the existing one`, where);
  if (i.policy === 'update') await patch(i, { metadata: { labels: i.labels } });
  return 'failed';
}

/**
 * A PersistentVolume whose claim was deleted with its namespace is Released, still naming the old claim's
 * UID, so the restored claim could never bind to it (Velero leaves it so). When the backed-up PV is claimed
 * by the same namespace and name, the stale UID is cleared and the volume, with its data, binds again.
 */
async function rebindReleasedVolume(i: ReconcileInput): Promise<ItemOutcome | undefined> {
  type Claim = { namespace?: string; name?: string; uid?: string };
  const phase = (i.existing.status as { phase?: string } | undefined)?.phase;
  const have = (i.existing.spec as { claimRef?: Claim } | undefined)?.claimRef;
  const want = (i.desired.spec as { claimRef?: Claim } | undefined)?.claimRef;
  if (phase !== 'Released' || !have?.uid || !want?.name || have.namespace !== want.namespace || have.name !== want.name) return undefined;
  const ok = await patch(i, { spec: { claimRef: { uid: null, resourceVersion: null } } });
  if (!ok) return 'failed';
  i.log.info(`PersistentVolume ${i.existing.metadata.name} was Released by its deleted claim ${want.namespace}/${want.name}; its claim reference was reset so that the restored claim binds to it again`, { cluster: true });
  return 'updated';
}

async function patch(i: ReconcileInput, body: Record<string, unknown>): Promise<boolean> {
  try {
    await i.client.patch(i.ref, i.existing.metadata.name!, 'merge', body as KubeObject, { namespace: i.ref.namespaced ? i.existing.metadata.namespace : undefined, signal: i.signal });
    return true;
  } catch (err) {
    const ns = i.existing.metadata.namespace;
    i.log.warn(`patching ${i.groupResource} ${describeObject(ns, i.existing.metadata.name!)} failed: ${(err as Error).message}`, ns ? { namespace: ns } : { cluster: true });
    return false;
  }
}

/** Structural equality of JSON values (key order ignored). */
export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) {
    const bb = b as unknown[];
    return a.length === bb.length && a.every((v, k) => deepEqual(v, bb[k]));
  }
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  if (ka.length !== kb.length) return false;
  return ka.every((k) => Object.prototype.hasOwnProperty.call(b, k) && deepEqual((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
}
