/** @module util/rate-limiter: an optional token-bucket limiter (Velero's --client-qps/--client-burst). */
import { sleep } from './abort.ts';

/**
 * A token bucket: `burst` tokens, refilled at `qps` per second. Skiff does not limit by default
 * (bounded concurrency and server back-off do the job); this exists for users who want Velero's
 * fixed client-side rate.
 */
export class TokenBucket {
  readonly #qps: number;
  readonly #burst: number;
  readonly #now: () => number;
  #tokens: number;
  #last: number;
  #tail: Promise<void> = Promise.resolve();

  constructor(qps: number, burst: number, now: () => number = () => performance.now()) {
    if (!(qps > 0)) throw new RangeError(`qps must be positive, got ${qps}`);
    if (!(burst >= 1)) throw new RangeError(`burst must be at least 1, got ${burst}`);
    this.#qps = qps;
    this.#burst = burst;
    this.#now = now;
    this.#tokens = burst;
    this.#last = now();
  }

  /** Waits until a token is available and takes it. Callers are served in arrival order. */
  take(signal?: AbortSignal): Promise<void> {
    const turn = this.#tail.then(() => this.#takeOne(signal));
    this.#tail = turn.catch(() => undefined);
    return turn;
  }

  async #takeOne(signal?: AbortSignal): Promise<void> {
    for (;;) {
      const now = this.#now();
      this.#tokens = Math.min(this.#burst, this.#tokens + ((now - this.#last) / 1000) * this.#qps);
      this.#last = now;
      if (this.#tokens >= 1) {
        this.#tokens -= 1;
        return;
      }
      await sleep(((1 - this.#tokens) / this.#qps) * 1000, signal);
    }
  }
}
