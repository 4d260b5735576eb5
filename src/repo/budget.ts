/** @module repo/budget: flow control for the archiver and restorer — a byte budget and a set of running tasks. */
import { abortReason } from '../util/index.ts';

/**
 * Bounds the bytes held in flight (chunks read but not yet stored, blobs loaded but not yet written).
 * A request larger than the whole budget is let through when nothing else is held, so it cannot deadlock.
 */
export class ByteBudget {
  readonly limit: number;
  #used = 0;
  readonly #waiters: Array<{ bytes: number; resolve: () => void; reject: (err: Error) => void; signal?: AbortSignal; onAbort: () => void }> = [];

  constructor(limit: number) {
    if (!Number.isSafeInteger(limit) || limit < 1) throw new RangeError(`byte budget must be a positive integer, got ${limit}`);
    this.limit = limit;
  }

  get used(): number {
    return this.#used;
  }

  /** Takes `bytes` when they fit now (and nobody waits); false otherwise. */
  tryAcquire(bytes: number): boolean {
    if (this.#waiters.length > 0 || !this.#fits(bytes)) return false;
    this.#used += bytes;
    return true;
  }

  acquire(bytes: number, signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return Promise.reject(abortReason(signal));
    if (this.#waiters.length === 0 && this.#fits(bytes)) {
      this.#used += bytes;
      return Promise.resolve();
    }
    return new Promise((resolve, reject) => {
      const waiter = {
        bytes,
        resolve,
        reject,
        signal,
        onAbort: () => {
          const i = this.#waiters.indexOf(waiter);
          if (i >= 0) this.#waiters.splice(i, 1);
          reject(abortReason(signal!));
          this.#wake();
        },
      };
      signal?.addEventListener('abort', waiter.onAbort, { once: true });
      this.#waiters.push(waiter);
    });
  }

  release(bytes: number): void {
    this.#used -= bytes;
    this.#wake();
  }

  #fits(bytes: number): boolean {
    return this.#used === 0 || this.#used + bytes <= this.limit;
  }

  /** Serves waiters in order, so a large request is not starved by small ones behind it. */
  #wake(): void {
    while (this.#waiters.length > 0 && this.#fits(this.#waiters[0]!.bytes)) {
      const w = this.#waiters.shift()!;
      w.signal?.removeEventListener('abort', w.onAbort);
      this.#used += w.bytes;
      w.resolve();
    }
  }
}

/**
 * Background tasks whose failure must not go unnoticed: `add` starts watching one, `drain` waits for all of
 * them and throws the first failure. A failure seen early is also available as `failure` to stop new work.
 */
export class TaskSet {
  readonly #running = new Set<Promise<void>>();
  #failure: { err: unknown } | undefined;

  get failure(): unknown {
    return this.#failure?.err;
  }

  /** Throws the first failure so far, if any. */
  check(): void {
    if (this.#failure) throw this.#failure.err;
  }

  add(task: Promise<unknown>): void {
    const watched = task.then(
      () => {
        this.#running.delete(watched);
      },
      (err: unknown) => {
        this.#failure ??= { err };
        this.#running.delete(watched);
      },
    );
    this.#running.add(watched);
  }

  async drain(): Promise<void> {
    while (this.#running.size > 0) await Promise.all(this.#running);
    this.check();
  }
}

/**
 * Runs `fn` over items in order, handing an item to a side task while one of the shared `slots` is free and
 * running it in the calling task otherwise. Used for subdirectories: with the walk depth first, at most
 * `slots.limit` extra branches are open at once, whatever the shape of the tree (nested pools would multiply).
 */
export class SideSlots {
  readonly limit: number;
  #busy = 0;

  constructor(limit: number) {
    this.limit = limit;
  }

  async each<T>(items: Iterable<T>, fn: (item: T) => Promise<void>): Promise<void> {
    const side: Array<Promise<void>> = [];
    let inlineError: { err: unknown } | undefined;
    try {
      for (const item of items) {
        if (this.#busy < this.limit) {
          this.#busy++;
          side.push(fn(item).finally(() => this.#busy--));
        } else {
          await fn(item);
        }
      }
    } catch (err) {
      inlineError = { err };
    }
    const results = await Promise.allSettled(side);
    if (inlineError) throw inlineError.err;
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
  }
}
