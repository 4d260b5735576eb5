/** @module util/semaphore: semaphores that bound concurrency (or bytes in flight), with abortable waits. */
import { abortReason } from './abort.ts';

interface Waiter {
  weight: number;
  resolve: () => void;
  reject: (err: Error) => void;
  signal: AbortSignal | undefined;
  onAbort: () => void;
}

/**
 * Bounds the total weight held at once (bytes in flight, say). Waiters are served first-in, first-out, so a
 * heavy request is not starved by light ones behind it; one heavier than the whole limit passes when nothing
 * is held, so it cannot deadlock.
 */
export class WeightedSemaphore {
  readonly limit: number;
  #held = 0;
  readonly #queue: Waiter[] = [];

  constructor(limit: number) {
    if (!Number.isSafeInteger(limit) || limit < 1) throw new RangeError(`semaphore limit must be a positive integer, got ${limit}`);
    this.limit = limit;
  }

  /** Weight held now. */
  get held(): number {
    return this.#held;
  }

  get waiting(): number {
    return this.#queue.length;
  }

  /** Takes `weight` when it fits now and nobody waits; false otherwise. */
  tryAcquire(weight: number): boolean {
    if (this.#queue.length > 0 || !this.#fits(weight)) return false;
    this.#held += weight;
    return true;
  }

  /** Waits until `weight` fits; give it back with `release(weight)`. */
  acquire(weight: number, signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return Promise.reject(abortReason(signal));
    if (this.tryAcquire(weight)) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        weight,
        resolve,
        reject,
        signal,
        onAbort: () => {
          const i = this.#queue.indexOf(waiter);
          if (i >= 0) this.#queue.splice(i, 1);
          reject(abortReason(signal!));
          this.#wake(); // the waiters behind a heavy one may fit now
        },
      };
      signal?.addEventListener('abort', waiter.onAbort, { once: true });
      this.#queue.push(waiter);
    });
  }

  release(weight: number): void {
    this.#held -= weight;
    this.#wake();
  }

  #fits(weight: number): boolean {
    return this.#held === 0 || this.#held + weight <= this.limit;
  }

  #wake(): void {
    while (this.#queue.length > 0 && this.#fits(this.#queue[0]!.weight)) {
      const w = this.#queue.shift()!;
      w.signal?.removeEventListener('abort', w.onAbort);
      this.#held += w.weight;
      w.resolve();
    }
  }
}

/** Bounds how many holders run at once (a WeightedSemaphore whose every holder weighs 1); first-in, first-out. */
export class Semaphore {
  readonly #slots: WeightedSemaphore;

  constructor(limit: number) {
    this.#slots = new WeightedSemaphore(limit);
  }

  get active(): number {
    return this.#slots.held;
  }

  get waiting(): number {
    return this.#slots.waiting;
  }

  /** Waits for a slot; the returned function releases it (calling it twice is harmless). */
  async acquire(signal?: AbortSignal): Promise<() => void> {
    await this.#slots.acquire(1, signal);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.#slots.release(1);
    };
  }

  /** Runs `fn` while holding a slot. */
  async run<T>(fn: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    const release = await this.acquire(signal);
    try {
      return await fn();
    } finally {
      release();
    }
  }
}

/**
 * Maps `items` through `fn` with at most `limit` calls in flight, preserving order of results.
 * Stops starting new work after the first failure and rethrows it once running calls settle.
 */
export async function mapLimit<T, R>(items: Iterable<T>, limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const list = [...items];
  const results = new Array<R>(list.length);
  let next = 0;
  let failure: { err: unknown } | undefined;
  const worker = async (): Promise<void> => {
    while (failure === undefined && next < list.length) {
      const i = next++;
      try {
        results[i] = await fn(list[i]!, i);
      } catch (err) {
        failure ??= { err };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, list.length) }, worker));
  if (failure) throw failure.err;
  return results;
}
