/** @module kube/client: the dynamic client every engine and controller uses. */
import { Transport, type TransportOptions } from './transport.ts';
import { Discovery } from './discovery.ts';
import { listPages, type ListOptions, type ListPage } from './pager.ts';
import { watchEvents, type WatchOptions } from './watch.ts';
import { execInPod, type ExecOptions, type ExecResult } from './exec.ts';
import { resourcePath } from './paths.ts';
import { isNotFound } from './errors.ts';
import { loadKubeConfig, type KubeConfigOptions } from './kubeconfig.ts';
import type { KubeList, KubeObject, ResourceRef, ServerVersion, Status, WatchEvent } from './types.ts';

export type { ListOptions, ListPage } from './pager.ts';
export type { WatchOptions } from './watch.ts';

export interface ObjectOptions {
  namespace?: string | undefined;
  signal?: AbortSignal | undefined;
}

export interface GetOptions extends ObjectOptions {
  subresource?: string | undefined;
}

export interface WriteOptions extends ObjectOptions {
  dryRun?: boolean | undefined;
  /** Recorded in managedFields; server-side apply requires it. */
  fieldManager?: string | undefined;
  fieldValidation?: 'Strict' | 'Warn' | 'Ignore' | undefined;
  subresource?: string | undefined;
}

export type PatchType = 'merge' | 'json' | 'strategic' | 'apply';

export interface PatchOptions extends WriteOptions {
  /** Server-side apply only: take ownership of fields other managers own. */
  force?: boolean | undefined;
}

export interface DeleteOptions extends ObjectOptions {
  propagationPolicy?: 'Foreground' | 'Background' | 'Orphan' | undefined;
  gracePeriodSeconds?: number | undefined;
  preconditions?: { uid?: string; resourceVersion?: string } | undefined;
  dryRun?: boolean | undefined;
}

const PATCH_CONTENT_TYPES: Record<PatchType, string> = {
  merge: 'application/merge-patch+json',
  json: 'application/json-patch+json',
  strategic: 'application/strategic-merge-patch+json',
  apply: 'application/apply-patch+yaml', // JSON is YAML, so the object is sent as JSON
};

export interface KubeClientOptions extends Omit<TransportOptions, 'connection'> {
  kubeconfig: KubeConfigOptions;
}

/**
 * Get, list, create, update, patch, delete, watch and exec on any resource, addressed by a
 * ResourceRef (from discovery, or Resources for built-ins). Objects are plain JSON.
 */
export class KubeClient {
  readonly transport: Transport;
  readonly discovery: Discovery;

  constructor(transport: Transport) {
    this.transport = transport;
    this.discovery = new Discovery(transport);
  }

  /** Loads the kubeconfig (or in-cluster config) and builds a client on it. */
  static async fromKubeConfig(opts: KubeClientOptions): Promise<KubeClient> {
    const { kubeconfig, ...transport } = opts;
    const connection = await loadKubeConfig(kubeconfig);
    return new KubeClient(new Transport({ ...transport, connection }));
  }

  get<T extends KubeObject = KubeObject>(ref: ResourceRef, name: string, opts: GetOptions = {}): Promise<T> {
    const path = resourcePath(ref, { namespace: opts.namespace, name, subresource: opts.subresource });
    return this.transport.json<T>({ method: 'GET', path, ...signalOf(opts) });
  }

  /** Like get(), but undefined instead of a 404. */
  async getIfExists<T extends KubeObject = KubeObject>(ref: ResourceRef, name: string, opts: GetOptions = {}): Promise<T | undefined> {
    try {
      return await this.get<T>(ref, name, opts);
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  /** Pages of a LIST (all namespaces when none is given); see ListOptions.onExpired for 410 handling. */
  listPages<T extends KubeObject = KubeObject>(ref: ResourceRef, opts: ListOptions & ObjectOptions = {}): AsyncGenerator<ListPage<T>> {
    return listPages<T>(this.transport, resourcePath(ref, { namespace: opts.namespace }), opts);
  }

  /** Every object of a LIST, one at a time, fetched page by page. */
  async *listAll<T extends KubeObject = KubeObject>(ref: ResourceRef, opts: ListOptions & ObjectOptions = {}): AsyncGenerator<T> {
    for await (const page of this.listPages<T>(ref, opts)) yield* page.items;
  }

  /** Collects a whole LIST in memory: for small lists only (tests, a handful of nodes). */
  async list<T extends KubeObject = KubeObject>(ref: ResourceRef, opts: ListOptions & ObjectOptions = {}): Promise<KubeList<T>> {
    const items: T[] = [];
    let metadata = {};
    for await (const page of this.listPages<T>(ref, { ...opts, onExpired: 'restart' })) {
      if (page.restarted) items.length = 0;
      items.push(...page.items);
      metadata = { resourceVersion: page.metadata.resourceVersion };
    }
    return { metadata, items };
  }

  create<T extends KubeObject = KubeObject>(ref: ResourceRef, obj: KubeObject, opts: WriteOptions = {}): Promise<T> {
    const namespace = opts.namespace ?? (ref.namespaced ? obj.metadata.namespace : undefined);
    const path = resourcePath(ref, { namespace, subresource: opts.subresource });
    return this.transport.json<T>({ method: 'POST', path, body: obj, query: writeQuery(opts), ...signalOf(opts) });
  }

  /** POST without reading the created object back: for callers that need only "created" (saves a JSON parse each). */
  async createOnly(ref: ResourceRef, obj: KubeObject, opts: WriteOptions = {}): Promise<void> {
    const namespace = opts.namespace ?? (ref.namespaced ? obj.metadata.namespace : undefined);
    const path = resourcePath(ref, { namespace, subresource: opts.subresource });
    await this.transport.text({ method: 'POST', path, body: obj, query: writeQuery(opts), ...signalOf(opts) });
  }

  /** PUT: replaces the object; its metadata.resourceVersion makes this an optimistic-concurrency update. */
  update<T extends KubeObject = KubeObject>(ref: ResourceRef, obj: KubeObject, opts: WriteOptions = {}): Promise<T> {
    const namespace = opts.namespace ?? (ref.namespaced ? obj.metadata.namespace : undefined);
    const path = resourcePath(ref, { namespace, name: required(obj.metadata.name, 'metadata.name'), subresource: opts.subresource });
    return this.transport.json<T>({ method: 'PUT', path, body: obj, query: writeQuery(opts), ...signalOf(opts) });
  }

  /** PUT to the status subresource. */
  updateStatus<T extends KubeObject = KubeObject>(ref: ResourceRef, obj: KubeObject, opts: WriteOptions = {}): Promise<T> {
    return this.update<T>(ref, obj, { ...opts, subresource: 'status' });
  }

  patch<T extends KubeObject = KubeObject>(
    ref: ResourceRef,
    name: string,
    type: PatchType,
    patch: unknown,
    opts: PatchOptions = {},
  ): Promise<T> {
    if (type === 'apply' && !opts.fieldManager) throw new Error('server-side apply needs a fieldManager');
    const path = resourcePath(ref, { namespace: opts.namespace, name, subresource: opts.subresource });
    const query = { ...writeQuery(opts), force: type === 'apply' && opts.force ? 'true' : undefined };
    return this.transport.json<T>({ method: 'PATCH', path, body: patch, contentType: PATCH_CONTENT_TYPES[type], query, ...signalOf(opts) });
  }

  /** Server-side apply of a whole object (its name and namespace come from its metadata). */
  apply<T extends KubeObject = KubeObject>(ref: ResourceRef, obj: KubeObject, opts: PatchOptions & { fieldManager: string }): Promise<T> {
    const namespace = opts.namespace ?? (ref.namespaced ? obj.metadata.namespace : undefined);
    return this.patch<T>(ref, required(obj.metadata.name, 'metadata.name'), 'apply', obj, { ...opts, namespace });
  }

  /** DELETE: returns the object (still terminating) or a Status (gone). */
  delete(ref: ResourceRef, name: string, opts: DeleteOptions = {}): Promise<KubeObject | Status> {
    const path = resourcePath(ref, { namespace: opts.namespace, name });
    return this.transport.json({ method: 'DELETE', path, body: deleteBody(opts), query: { dryRun: opts.dryRun ? 'All' : undefined }, ...signalOf(opts) });
  }

  /** DELETE on a collection, optionally narrowed by selectors. */
  deleteCollection(ref: ResourceRef, opts: DeleteOptions & { labelSelector?: string; fieldSelector?: string } = {}): Promise<unknown> {
    const path = resourcePath(ref, { namespace: opts.namespace });
    const query = { labelSelector: opts.labelSelector, fieldSelector: opts.fieldSelector, dryRun: opts.dryRun ? 'All' : undefined };
    return this.transport.json({ method: 'DELETE', path, body: deleteBody(opts), query, ...signalOf(opts) });
  }

  /** One watch request as events; see Informer for the re-listing, reconnecting loop. */
  watch<T extends KubeObject = KubeObject>(ref: ResourceRef, opts: WatchOptions & ObjectOptions = {}): AsyncGenerator<WatchEvent<T>> {
    return watchEvents<T>(this.transport, resourcePath(ref, { namespace: opts.namespace }), opts);
  }

  /** Runs a command in a pod's container and collects stdout, stderr and the exit code. */
  exec(opts: ExecOptions): Promise<ExecResult> {
    return execInPod(this.transport, opts);
  }

  serverVersion(signal?: AbortSignal): Promise<ServerVersion> {
    return this.discovery.serverVersion(signal);
  }

  close(): Promise<void> {
    return this.transport.close();
  }
}

function signalOf(opts: { signal?: AbortSignal | undefined }): { signal?: AbortSignal } {
  return opts.signal ? { signal: opts.signal } : {};
}

function writeQuery(opts: WriteOptions): Record<string, string | undefined> {
  return {
    dryRun: opts.dryRun ? 'All' : undefined,
    fieldManager: opts.fieldManager,
    fieldValidation: opts.fieldValidation,
  };
}

function deleteBody(opts: DeleteOptions): Record<string, unknown> {
  return {
    kind: 'DeleteOptions',
    apiVersion: 'v1',
    ...(opts.propagationPolicy ? { propagationPolicy: opts.propagationPolicy } : {}),
    ...(opts.gracePeriodSeconds !== undefined ? { gracePeriodSeconds: opts.gracePeriodSeconds } : {}),
    ...(opts.preconditions ? { preconditions: opts.preconditions } : {}),
  };
}

function required(value: string | undefined, field: string): string {
  if (!value) throw new Error(`${field} is required`);
  return value;
}
