/** @module kube/store: an in-memory object cache with secondary indexes, fed by an informer. */
import type { KubeObject } from './types.ts';
import { objectKey } from './paths.ts';

export type IndexFunc<T> = (obj: T) => string[];

export interface ReplaceResult<T> {
  added: T[];
  updated: Array<[previous: T, current: T]>;
  deleted: T[];
}

/** Objects by `namespace/name`, plus named indexes (a 'namespace' index always exists). */
export class ObjectCache<T extends KubeObject = KubeObject> {
  readonly #items = new Map<string, T>();
  readonly #indexers = new Map<string, IndexFunc<T>>();
  readonly #indices = new Map<string, Map<string, Set<string>>>();

  constructor() {
    this.addIndex('namespace', (o) => (o.metadata.namespace ? [o.metadata.namespace] : []));
  }

  /** Adds an index; existing objects are indexed at once. */
  addIndex(name: string, fn: IndexFunc<T>): void {
    this.#indexers.set(name, fn);
    this.#indices.set(name, new Map());
    for (const [key, obj] of this.#items) this.#index(name, fn, key, obj);
  }

  get size(): number {
    return this.#items.size;
  }

  get(key: string): T | undefined {
    return this.#items.get(key);
  }

  getByName(name: string, namespace?: string): T | undefined {
    return this.#items.get(objectKey({ namespace, name }));
  }

  list(): T[] {
    return [...this.#items.values()];
  }

  keys(): string[] {
    return [...this.#items.keys()];
  }

  byIndex(index: string, value: string): T[] {
    const keys = this.#indices.get(index)?.get(value);
    if (!keys) return [];
    return [...keys].map((k) => this.#items.get(k)!);
  }

  /** Inserts or replaces; returns what was there before. */
  upsert(obj: T): T | undefined {
    const key = objectKey(obj.metadata);
    const previous = this.#items.get(key);
    if (previous) this.#unindex(key, previous);
    this.#items.set(key, obj);
    for (const [name, fn] of this.#indexers) this.#index(name, fn, key, obj);
    return previous;
  }

  remove(key: string): T | undefined {
    const previous = this.#items.get(key);
    if (!previous) return undefined;
    this.#unindex(key, previous);
    this.#items.delete(key);
    return previous;
  }

  /** Swaps in a fresh full list and reports the difference (unchanged resourceVersions are not updates). */
  replace(objects: T[]): ReplaceResult<T> {
    const result: ReplaceResult<T> = { added: [], updated: [], deleted: [] };
    const fresh = new Set<string>();
    for (const obj of objects) {
      const key = objectKey(obj.metadata);
      fresh.add(key);
      const previous = this.upsert(obj);
      if (!previous) result.added.push(obj);
      else if (previous.metadata.resourceVersion !== obj.metadata.resourceVersion) result.updated.push([previous, obj]);
    }
    for (const key of this.keys()) {
      if (!fresh.has(key)) result.deleted.push(this.remove(key)!);
    }
    return result;
  }

  #index(name: string, fn: IndexFunc<T>, key: string, obj: T): void {
    const index = this.#indices.get(name)!;
    for (const value of fn(obj)) {
      let set = index.get(value);
      if (!set) index.set(value, (set = new Set()));
      set.add(key);
    }
  }

  #unindex(key: string, obj: T): void {
    for (const [name, fn] of this.#indexers) {
      const index = this.#indices.get(name)!;
      for (const value of fn(obj)) {
        const set = index.get(value);
        set?.delete(key);
        if (set?.size === 0) index.delete(value);
      }
    }
  }
}
