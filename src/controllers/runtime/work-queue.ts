/**
 * @module controllers/runtime/work-queue: a keyed work queue like client-go's — a key is processed by
 * one worker at a time, re-adding a key that is being processed runs it once more afterwards, and
 * failures come back with per-key exponential back-off.
 */
import { Backoff } from '../../util/index.ts';

export interface WorkQueueOptions {
  /** Workers processing different keys at once. */
  concurrency?: number;
  /** Back-off for keys whose processing failed: 1 s doubling to 5 min by default. */
  failureBackoff?: { initialMs?: number; maxMs?: number };
  /** Reports a failure (with the delay before the retry). */
  onError?: (key: string, err: unknown, retryInMs: number) => void;
}

export type Handler = (key: string, signal: AbortSignal) => Promise<{ requeueAfterMs?: number } | void>;

export class WorkQueue {
  readonly #handler: Handler;
  readonly #opts: WorkQueueOptions;
  readonly #queue: string[] = [];
  readonly #queued = new Set<string>();
  readonly #processing = new Set<string>();
  readonly #dirty = new Set<string>();
  readonly #timers = new Map<string, NodeJS.Timeout>();
  readonly #failures = new Map<string, Backoff>();
  readonly #ac = new AbortController();
  readonly #idleWaiters: Array<() => void> = [];
  #active = 0;

  constructor(handler: Handler, opts: WorkQueueOptions = {}) {
    this.#handler = handler;
    this.#opts = opts;
  }

  /** Queues a key (once: adding a queued key again is a no-op; a key in progress runs again after). */
  add(key: string): void {
    if (this.#ac.signal.aborted) return;
    if (this.#processing.has(key)) {
      this.#dirty.add(key);
      return;
    }
    if (this.#queued.has(key)) return;
    this.#queued.add(key);
    this.#queue.push(key);
    this.#pump();
  }

  /** Queues a key after a delay; while one delay is pending for a key, further delays for it are ignored. */
  addAfter(key: string, ms: number): void {
    if (ms <= 0) return this.add(key);
    if (this.#timers.has(key)) return;
    const timer = setTimeout(() => {
      this.#timers.delete(key);
      this.add(key);
    }, ms);
    timer.unref();
    this.#timers.set(key, timer);
  }

  get length(): number {
    return this.#queue.length;
  }

  /** Resolves when nothing is queued or running (tests). */
  idle(): Promise<void> {
    if (this.#queue.length === 0 && this.#active === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idleWaiters.push(resolve));
  }

  /** Stops taking work, aborts handlers' signals, and waits for running handlers to return. */
  async shutDown(): Promise<void> {
    this.#ac.abort(new Error('the controller is shutting down'));
    for (const t of this.#timers.values()) clearTimeout(t);
    this.#timers.clear();
    this.#queue.length = 0;
    this.#queued.clear();
    if (this.#active > 0) await new Promise<void>((resolve) => this.#idleWaiters.push(resolve));
  }

  #pump(): void {
    const limit = this.#opts.concurrency ?? 1;
    while (this.#active < limit && this.#queue.length > 0 && !this.#ac.signal.aborted) {
      const key = this.#queue.shift()!;
      this.#queued.delete(key);
      this.#processing.add(key);
      this.#active++;
      void this.#process(key);
    }
  }

  async #process(key: string): Promise<void> {
    try {
      const result = await this.#handler(key, this.#ac.signal);
      this.#failures.delete(key);
      if (result?.requeueAfterMs !== undefined) this.addAfter(key, result.requeueAfterMs);
    } catch (err) {
      if (!this.#ac.signal.aborted) {
        let backoff = this.#failures.get(key);
        if (!backoff) this.#failures.set(key, (backoff = new Backoff({ initialMs: this.#opts.failureBackoff?.initialMs ?? 1000, maxMs: this.#opts.failureBackoff?.maxMs ?? 300_000 })));
        const delay = backoff.next();
        this.#opts.onError?.(key, err, delay);
        this.addAfter(key, delay);
      }
    } finally {
      this.#processing.delete(key);
      this.#active--;
      if (this.#dirty.delete(key)) this.add(key);
      this.#pump();
      if (this.#queue.length === 0 && this.#active === 0) for (const w of this.#idleWaiters.splice(0)) w();
    }
  }
}
