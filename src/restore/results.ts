/** @module restore/results: what the restore did to each item (the resource-list file) and its progress counts. */
import type { ItemOutcome } from './types.ts';

export interface RestoreProgress {
  totalItems: number;
  itemsRestored: number;
}

export class RestoreResults {
  readonly #list = new Map<string, string[]>();
  readonly #counts: Record<ItemOutcome, number> = { created: 0, updated: 0, failed: 0, skipped: 0 };
  #expected = 0;
  #recorded = 0;

  /** Items the restore expects to handle (grows when actions pull in more). */
  expect(n: number): void {
    this.#expected += n;
  }

  /** One item's outcome under its `<apiVersion>/<Kind>` key, as `ns/name(action)` or `name(action)`. */
  record(apiVersionKind: string, namespace: string | undefined, name: string, outcome: ItemOutcome): void {
    const entries = this.#list.get(apiVersionKind) ?? [];
    entries.push(`${namespace ? `${namespace}/` : ''}${name}(${outcome})`);
    this.#list.set(apiVersionKind, entries);
    this.#counts[outcome]++;
    this.#recorded++;
  }

  get counts(): Readonly<Record<ItemOutcome, number>> {
    return this.#counts;
  }

  progress(): RestoreProgress {
    return { totalItems: Math.max(this.#expected, this.#recorded), itemsRestored: this.#recorded };
  }

  /** The resource-list file's content: keys and entries sorted. */
  resourceList(): Record<string, string[]> {
    const out: Record<string, string[]> = {};
    for (const k of [...this.#list.keys()].sort()) out[k] = [...this.#list.get(k)!].sort();
    return out;
  }
}
