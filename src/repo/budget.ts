/** @module repo/budget: flow control for the archiver and restorer — a byte budget and a set of running tasks. */
import { WeightedSemaphore } from '../util/semaphore.ts';

/**
 * Bounds the bytes held in flight (chunks read but not yet stored, blobs loaded but not yet written): a
 * weighted semaphore whose weights are bytes. A request larger than the whole budget is let through when
 * nothing else is held, so it cannot deadlock.
 */
export class ByteBudget extends WeightedSemaphore {}

/**
 * Background tasks whose failure must not go unnoticed: `add` starts watching one, `drain` waits for all of
 * them and throws the first failure. `check` throws a failure seen early, to stop new work.
 */
export class TaskSet {
  readonly #running = new Set<Promise<void>>();
  #failure: { err: unknown } | undefined;

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

  /**
   * Runs `fn` for each item in order: on a free side slot, else inline. After the first failure no further item
   * starts; the started ones finish and that failure is thrown. Side tasks are observed at once, so one that
   * fails while the loop is still going is never an unhandled rejection.
   */
  async each<T>(items: Iterable<T>, fn: (item: T) => Promise<void>): Promise<void> {
    const side: Array<Promise<void>> = [];
    let failure: { err: unknown } | undefined;
    const fail = (err: unknown): void => void (failure ??= { err });
    for (const item of items) {
      if (failure) break;
      if (this.#busy < this.limit) {
        this.#busy++;
        side.push(fn(item).catch(fail).finally(() => this.#busy--));
      } else {
        await fn(item).catch(fail);
      }
    }
    await Promise.all(side);
    if (failure) throw failure.err;
  }

}
