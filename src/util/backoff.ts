/** @module util/backoff: exponential back-off with full jitter, for retries and reconnect loops. */

export interface BackoffOptions {
  /** First delay, in ms. */
  initialMs?: number;
  /** Ceiling for any single delay, in ms. */
  maxMs?: number;
  /** Growth factor between attempts. */
  factor?: number;
  /** Random source in [0, 1), injectable for tests. */
  random?: () => number;
}

/**
 * Exponential back-off with "equal jitter": half the delay is fixed, half random. Full jitter can
 * produce near-zero waits that hammer a recovering server; no jitter makes many clients retry in step.
 */
export class Backoff {
  readonly #initial: number;
  readonly #max: number;
  readonly #factor: number;
  readonly #random: () => number;
  #attempt = 0;

  constructor(opts: BackoffOptions = {}) {
    this.#initial = opts.initialMs ?? 200;
    this.#max = opts.maxMs ?? 30_000;
    this.#factor = opts.factor ?? 2;
    this.#random = opts.random ?? Math.random;
  }

  /** The number of delays handed out since the last reset. */
  get attempt(): number {
    return this.#attempt;
  }

  /** The next delay in ms; each call grows the base delay until the ceiling. */
  next(): number {
    const base = Math.min(this.#max, this.#initial * this.#factor ** this.#attempt);
    this.#attempt++;
    return Math.round(base / 2 + (this.#random() * base) / 2);
  }

  reset(): void {
    this.#attempt = 0;
  }
}
