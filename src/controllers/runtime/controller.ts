/**
 * @module controllers/runtime/controller: an informer feeding a keyed work queue — the shape every
 * Skiff controller has. Reconcilers read the informer's cache, act, and must be idempotent.
 */
import { Informer, objectKey, type KubeClient, type KubeObject, type ResourceRef } from '../../kube/index.ts';
import { WorkQueue } from './work-queue.ts';

export interface ReconcileResult {
  /** Look at this object again after this long (polling, periodic validation). */
  requeueAfterMs?: number;
}

export interface ControllerOptions<T extends KubeObject> {
  name: string;
  client: KubeClient;
  resource: ResourceRef;
  namespace?: string;
  /** Objects reconciled at once (different objects; one object is never reconciled twice at once). */
  concurrency?: number;
  /** Re-enqueue every cached object this often (safety net for missed conditions). */
  resyncMs?: number;
  /** Called with the cached object, or undefined once it is gone. */
  reconcile(obj: T | undefined, key: string, signal: AbortSignal): Promise<ReconcileResult | void>;
  /** Which changes are worth a reconcile (default: all). */
  shouldEnqueue?(previous: T | undefined, current: T): boolean;
  onError?(key: string, err: unknown, retryInMs: number): void;
  /** Called first on stop(): abort work started outside the queue (a running restore, say). */
  onStop?(): Promise<void>;
}

export class Controller<T extends KubeObject = KubeObject> {
  readonly informer: Informer<T>;
  readonly queue: WorkQueue;
  readonly #opts: ControllerOptions<T>;
  #resync: NodeJS.Timeout | undefined;

  constructor(opts: ControllerOptions<T>) {
    this.#opts = opts;
    this.informer = new Informer<T>({ client: opts.client, resource: opts.resource, namespace: opts.namespace });
    this.queue = new WorkQueue((key, signal) => opts.reconcile(this.informer.cache.get(key), key, signal), {
      concurrency: opts.concurrency ?? 1,
      onError: opts.onError,
    });
    const want = (prev: T | undefined, cur: T): boolean => opts.shouldEnqueue?.(prev, cur) ?? true;
    this.informer.on({
      onAdd: (o) => want(undefined, o) && this.enqueue(o),
      onUpdate: (p, o) => want(p, o) && this.enqueue(o),
      onDelete: (o) => this.queue.add(objectKey(o.metadata)),
      onError: (err, retryInMs) => opts.onError?.(`${opts.name}/watch`, err, retryInMs),
    });
  }

  get name(): string {
    return this.#opts.name;
  }

  /** Starts watching and waits until the cache is filled. */
  async start(signal?: AbortSignal): Promise<void> {
    this.informer.start();
    await this.informer.waitForSync(signal);
    if (this.#opts.resyncMs) {
      this.#resync = setInterval(() => {
        for (const key of this.informer.cache.keys()) this.queue.add(key);
      }, this.#opts.resyncMs);
      this.#resync.unref();
    }
  }

  enqueue(obj: T): boolean {
    this.queue.add(objectKey(obj.metadata));
    return true;
  }

  async stop(): Promise<void> {
    if (this.#resync) clearInterval(this.#resync);
    await this.#opts.onStop?.();
    await this.queue.shutDown();
    await this.informer.stop();
  }
}
