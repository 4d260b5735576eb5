/**
 * @module backup/related: finds the objects item actions point at (a pod's PVCs, a PVC's PV, the
 * ClusterRoleBindings of a ServiceAccount) with one LIST per resource and scope, cached for the
 * backup — never a GET per item.
 */
import { objectKey, type KubeClient, type KubeObject, type ResourceRef } from '../kube/index.ts';

export class RelatedObjects {
  readonly #client: KubeClient;
  readonly #pageSize: number;
  readonly #lists = new Map<string, Promise<Map<string, KubeObject>>>();
  #listCount = 0;

  constructor(client: KubeClient, pageSize = 500) {
    this.#client = client;
    this.#pageSize = pageSize;
  }

  /** How many LISTs the lookups have cost so far. */
  get listsMade(): number {
    return this.#listCount;
  }

  /** The object, or undefined when the cluster has none by that name. */
  async get(ref: ResourceRef, name: string, namespace?: string, signal?: AbortSignal): Promise<KubeObject | undefined> {
    const items = await this.all(ref, ref.namespaced ? namespace : undefined, signal);
    return items.get(objectKey({ namespace: ref.namespaced ? namespace : undefined, name }));
  }

  /** Every object of a resource (in one namespace, for a namespaced resource given one). */
  all(ref: ResourceRef, namespace?: string, signal?: AbortSignal): Promise<Map<string, KubeObject>> {
    const key = `${ref.group}/${ref.version}/${ref.resource}/${namespace ?? '*'}`;
    let list = this.#lists.get(key);
    if (!list) {
      list = this.#load(ref, namespace, signal);
      // A failed LIST is not cached: the next lookup tries again.
      list.catch(() => this.#lists.delete(key));
      this.#lists.set(key, list);
    }
    return list;
  }

  async #load(ref: ResourceRef, namespace: string | undefined, signal: AbortSignal | undefined): Promise<Map<string, KubeObject>> {
    this.#listCount++;
    const out = new Map<string, KubeObject>();
    for await (const obj of this.#client.listAll(ref, { namespace, limit: this.#pageSize, signal })) out.set(objectKey(obj.metadata), obj);
    return out;
  }
}
