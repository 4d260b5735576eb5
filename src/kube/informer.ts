/** @module kube/informer: list-then-watch into a cache, re-listing on 410, backing off, never giving up. */
import type { KubeClient } from './client.ts';
import type { KubeObject, ResourceRef, WatchEvent } from './types.ts';
import { ObjectCache } from './store.ts';
import { objectKey } from './paths.ts';
import { isResourceExpired } from './errors.ts';
import { Backoff, sleep, type BackoffOptions } from '../util/index.ts';

export interface InformerOptions {
  client: KubeClient;
  resource: ResourceRef;
  namespace?: string | undefined;
  labelSelector?: string | undefined;
  fieldSelector?: string | undefined;
  pageSize?: number | undefined;
  /** Server-side length of each watch; default randomised 5–10 min as client-go does. */
  watchTimeoutSeconds?: number | undefined;
  /** Reconnect back-off; defaults 500 ms doubling to 15 s, so a restarted API server is found again quickly. */
  backoff?: BackoffOptions | undefined;
}

export interface InformerHandlers<T> {
  onAdd?(obj: T): void;
  onUpdate?(previous: T, current: T): void;
  onDelete?(obj: T): void;
  /** Every failure the loop recovers from; `retryInMs` says when it tries again. */
  onError?(err: unknown, retryInMs: number): void;
}

export interface InformerStats {
  lists: number;
  watches: number;
  errors: number;
  expired: number;
}

/**
 * Keeps `cache` equal to the server's state for one resource (optionally one namespace or
 * selector). Unlike client-node's informer it paginates its lists, asks for bookmarks, re-lists on
 * 410, and restarts after any error with back-off until stop() — it never silently stalls.
 */
export class Informer<T extends KubeObject = KubeObject> {
  readonly cache = new ObjectCache<T>();
  readonly stats: InformerStats = { lists: 0, watches: 0, errors: 0, expired: 0 };
  readonly #opts: InformerOptions;
  readonly #handlers: InformerHandlers<T>[] = [];
  readonly #ac = new AbortController();
  #resourceVersion: string | undefined;
  #loop: Promise<void> | undefined;
  #synced = false;
  /** Set when a watch delivers anything: 410s in a row only count when nothing got through between them. */
  #progressed = false;
  readonly #syncWaiters: Array<(err?: Error) => void> = [];

  constructor(opts: InformerOptions) {
    this.#opts = opts;
  }

  /** Registers handlers; add them before start() to see the initial objects as adds. */
  on(handlers: InformerHandlers<T>): this {
    this.#handlers.push(handlers);
    return this;
  }

  /** Starts the list/watch loop in the background. */
  start(): this {
    this.#loop ??= this.#run();
    return this;
  }

  /** Stops the loop and waits for it to end; anyone still waiting for the first sync is told. */
  async stop(): Promise<void> {
    this.#ac.abort();
    await this.#loop;
    for (const waiter of this.#syncWaiters.splice(0)) waiter(new Error('the informer stopped before its first sync'));
  }

  get synced(): boolean {
    return this.#synced;
  }

  /** The resourceVersion the cache reflects (advanced by events and bookmarks). */
  get resourceVersion(): string | undefined {
    return this.#resourceVersion;
  }

  /** Resolves once the first full list is in the cache. */
  waitForSync(signal?: AbortSignal): Promise<void> {
    if (this.#synced) return Promise.resolve();
    return new Promise((resolve, reject) => {
      if (this.#ac.signal.aborted) return reject(new Error('the informer is stopped'));
      const onAbort = (): void => reject(signal?.reason ?? new Error('aborted'));
      signal?.addEventListener('abort', onAbort, { once: true });
      this.#syncWaiters.push((err) => {
        signal?.removeEventListener('abort', onAbort);
        if (err) reject(err);
        else resolve();
      });
    });
  }

  async #run(): Promise<void> {
    const signal = this.#ac.signal;
    const backoff = new Backoff({ initialMs: 500, maxMs: 15_000, ...this.#opts.backoff });
    let needList = true;
    let expiredInARow = 0;
    while (!signal.aborted) {
      try {
        if (needList) {
          await this.#relist(signal);
          needList = false;
        }
        const delivered = await this.#watch(signal);
        if (delivered) backoff.reset();
        else await sleep(backoff.next(), signal); // an empty, instantly closed watch must not spin
      } catch (err) {
        if (signal.aborted) break;
        this.stats.errors++;
        if (isResourceExpired(err)) {
          // Our resourceVersion fell out of the server's window: only a fresh list can resync us. The
          // first re-list is immediate; if lists keep expiring, back off rather than hammer the server.
          this.stats.expired++;
          needList = true;
          if (this.#progressed) expiredInARow = 0; // a watch that worked for a while earns a fresh start
          this.#progressed = false;
          const delay = expiredInARow++ === 0 ? 0 : backoff.next();
          this.#emitError(err, delay);
          if (delay > 0) await sleep(delay, signal).catch(() => undefined);
          continue;
        }
        const delay = backoff.next();
        this.#emitError(err, delay);
        await sleep(delay, signal).catch(() => undefined);
      }
    }
  }

  async #relist(signal: AbortSignal): Promise<void> {
    const o = this.#opts;
    let items: T[] = [];
    let rv: string | undefined;
    const pages = o.client.listPages<T>(o.resource, {
      namespace: o.namespace,
      labelSelector: o.labelSelector,
      fieldSelector: o.fieldSelector,
      limit: o.pageSize,
      onExpired: 'restart', // the cache must be one consistent snapshot
      signal,
    });
    for await (const page of pages) {
      if (page.restarted) items = [];
      for (const item of page.items) items.push(item);
      rv = page.metadata.resourceVersion;
    }
    this.stats.lists++;
    const diff = this.cache.replace(items);
    this.#resourceVersion = rv;
    for (const obj of diff.added) this.#emit((h) => h.onAdd?.(obj));
    for (const [prev, cur] of diff.updated) this.#emit((h) => h.onUpdate?.(prev, cur));
    for (const obj of diff.deleted) this.#emit((h) => h.onDelete?.(obj));
    if (!this.#synced) {
      this.#synced = true;
      for (const waiter of this.#syncWaiters.splice(0)) waiter();
    }
  }

  /** Runs one watch to its end; true when it delivered anything (events or bookmarks). */
  async #watch(signal: AbortSignal): Promise<boolean> {
    const o = this.#opts;
    this.stats.watches++;
    let delivered = false;
    const events = o.client.watch<T>(o.resource, {
      namespace: o.namespace,
      labelSelector: o.labelSelector,
      fieldSelector: o.fieldSelector,
      resourceVersion: this.#resourceVersion,
      allowWatchBookmarks: true,
      timeoutSeconds: o.watchTimeoutSeconds,
      signal,
    });
    for await (const event of events) {
      delivered = true;
      this.#apply(event);
    }
    return delivered;
  }

  #apply(event: WatchEvent<T>): void {
    this.#progressed = true;
    const obj = event.object;
    const rv = obj.metadata?.resourceVersion;
    if (event.type === 'BOOKMARK') {
      if (rv) this.#resourceVersion = rv;
      return;
    }
    if (event.type === 'DELETED') {
      // The event carries the object's final state, which is what handlers want to see.
      this.cache.remove(objectKey(obj.metadata));
      this.#emit((h) => h.onDelete?.(obj));
    } else {
      const prev = this.cache.upsert(obj);
      if (prev) this.#emit((h) => h.onUpdate?.(prev, obj));
      else this.#emit((h) => h.onAdd?.(obj));
    }
    if (rv) this.#resourceVersion = rv;
  }

  #emit(call: (h: InformerHandlers<T>) => void): void {
    for (const h of this.#handlers) {
      try {
        call(h);
      } catch (err) {
        // A handler's bug must not stop the informer that every controller depends on.
        this.#emitError(err, 0);
      }
    }
  }

  #emitError(err: unknown, retryInMs: number): void {
    for (const h of this.#handlers) {
      try {
        h.onError?.(err, retryInMs);
      } catch {
        // nothing sensible left to report to
      }
    }
  }
}
