/**
 * @module restore/source: the backup tarball as the restore engine sees it. The first pass reads the whole
 * archive from object storage (the hardened reader refuses hostile or corrupt archives, so this pass ends
 * before anything is created), indexes every item and keeps the raw JSON of the items it will need, up to a
 * memory budget. A backup larger than the budget is restored in chunks: each further chunk costs one more
 * streaming read of the archive. Nothing is ever extracted to disk.
 */
import type { Readable } from 'node:stream';
import { readBackupArchive, type ArchiveLimits, type ItemEntry } from '../archive/index.ts';

export interface IndexedItem {
  groupResource: string;
  /** Undefined for the legacy, un-versioned path. */
  versionDir: string | undefined;
  namespace: string | undefined;
  name: string;
  bytes: number;
  /** Chosen by the restore's filters (an unselected item can still come as another item's additional item). */
  selected: boolean;
  /** The JSON, while it is held in memory. */
  raw: Buffer | undefined;
}

export interface Classification {
  selected: boolean;
  /** Worth holding in memory from the first pass (selected items, and likely additional items). */
  retain: boolean;
}

export interface SourceOptions {
  open: () => Promise<Readable>;
  limits?: Partial<ArchiveLimits> | undefined;
  /** Raw JSON bytes held in memory at most (a soft limit: one item can exceed it). */
  retainBytes: number;
  /** Decides about each item entry of the first pass; undefined drops it from the index (e.g. duplicate version copies). */
  classify: (entry: ItemEntry) => Classification | undefined;
}

export interface SourceSummary {
  formatVersion: string;
  /** Version directories seen per group-resource (`v1-preferredversion`, `v2beta1`). */
  versionDirs: Map<string, Set<string>>;
  /** Namespaces holding items. */
  namespaces: Set<string>;
  rereads: number;
}

export class ArchiveChangedError extends Error {}

/** An index of the archive's items with the raw JSON of those in memory. */
export class BackupSource {
  readonly #opts: SourceOptions;
  readonly #items = new Map<string, IndexedItem>();
  readonly #byGroup = new Map<string, IndexedItem[]>();
  readonly summary: SourceSummary = { formatVersion: '', versionDirs: new Map(), namespaces: new Set(), rereads: 0 };
  #retained = 0;

  private constructor(opts: SourceOptions) {
    this.#opts = opts;
  }

  /** The first pass. Throws ArchiveError (from src/archive) for a hostile or corrupt archive. */
  static async index(opts: SourceOptions): Promise<BackupSource> {
    const source = new BackupSource(opts);
    await source.#firstPass();
    return source;
  }

  /** Items of one group-resource and version directory, in namespace then name order (Velero's file order). */
  items(groupResource: string, versionDir: string | undefined): IndexedItem[] {
    return (this.#byGroup.get(groupResource) ?? []).filter((i) => i.versionDir === versionDir).sort(compareItems);
  }

  /** Every indexed group-resource. */
  groupResources(): string[] {
    return [...this.#byGroup.keys()].sort();
  }

  find(groupResource: string, versionDir: string | undefined, namespace: string | undefined, name: string): IndexedItem | undefined {
    return this.#items.get(key(groupResource, versionDir, namespace, name));
  }

  get retainedBytes(): number {
    return this.#retained;
  }

  /**
   * Yields the items in order, in chunks whose JSON fits the budget, with their JSON in memory: items held
   * since the first pass come at once, the others cost one read of the archive per chunk. The consumer
   * parses each item when it gets to it and releases it when done, so parsed objects never pile up.
   */
  async *chunks(items: readonly IndexedItem[]): AsyncGenerator<IndexedItem[]> {
    const budget = Math.max(this.#opts.retainBytes, 1);
    let i = 0;
    while (i < items.length) {
      const chunk: IndexedItem[] = [];
      let bytes = 0;
      while (i < items.length && (chunk.length === 0 || bytes + items[i]!.bytes <= budget)) {
        if (!items[i]!.raw) bytes += items[i]!.bytes;
        chunk.push(items[i]!);
        i++;
      }
      await this.#load(chunk.filter((c) => !c.raw));
      yield chunk;
    }
  }

  /** Loads (if needed) the given items, e.g. additional items named by item actions. */
  async load(items: readonly IndexedItem[]): Promise<void> {
    await this.#load(items.filter((c) => !c.raw));
  }

  /** The item's object; the item must be in memory (from chunks() or load()). */
  parse(item: IndexedItem): Record<string, unknown> {
    if (!item.raw) throw new Error(`internal: ${item.groupResource} ${item.namespace ?? ''}/${item.name} is not in memory`);
    return JSON.parse(item.raw.toString('utf8')) as Record<string, unknown>;
  }

  release(item: IndexedItem): void {
    if (!item.raw) return;
    this.#retained -= item.raw.length;
    item.raw = undefined;
  }

  async #firstPass(): Promise<void> {
    const input = await this.#opts.open();
    for await (const entry of readBackupArchive(input, { limits: this.#opts.limits })) {
      if (entry.kind === 'version') this.summary.formatVersion = entry.version;
      if (entry.kind !== 'item') continue;
      if (entry.versionDir !== undefined) {
        const dirs = this.summary.versionDirs.get(entry.groupResource) ?? new Set<string>();
        dirs.add(entry.versionDir);
        this.summary.versionDirs.set(entry.groupResource, dirs);
      }
      if (entry.namespace !== undefined) this.summary.namespaces.add(entry.namespace);
      const c = this.#opts.classify(entry);
      if (!c) continue;
      const item: IndexedItem = { groupResource: entry.groupResource, versionDir: entry.versionDir, namespace: entry.namespace, name: entry.name, bytes: entry.bytes, selected: c.selected, raw: undefined };
      if (c.retain && this.#retained + entry.bytes <= this.#opts.retainBytes) this.#keep(item, entry.raw);
      this.#items.set(key(item.groupResource, item.versionDir, item.namespace, item.name), item);
      const group = this.#byGroup.get(item.groupResource) ?? [];
      group.push(item);
      this.#byGroup.set(item.groupResource, group);
    }
  }

  /** One more streaming read of the archive, picking out the wanted items. */
  async #load(wanted: readonly IndexedItem[]): Promise<void> {
    if (wanted.length === 0) return;
    const missing = new Map(wanted.map((w) => [key(w.groupResource, w.versionDir, w.namespace, w.name), w]));
    this.summary.rereads++;
    const input = await this.#opts.open();
    for await (const entry of readBackupArchive(input, { limits: this.#opts.limits })) {
      if (entry.kind !== 'item') continue;
      const k = key(entry.groupResource, entry.versionDir, entry.namespace, entry.name);
      const item = missing.get(k);
      if (!item) continue;
      // The archive is read again from object storage: it must still be the one that was indexed.
      if (entry.bytes !== item.bytes) throw new ArchiveChangedError(`the backup archive changed while it was being restored (${entry.path})`);
      this.#keep(item, entry.raw);
      missing.delete(k);
      if (missing.size === 0) break;
    }
    if (missing.size > 0) throw new ArchiveChangedError(`the backup archive changed while it was being restored: ${missing.size} items indexed earlier are gone`);
  }

  #keep(item: IndexedItem, raw: Buffer): void {
    // A copy: the reader's buffer may be a slice of a much larger decompressed chunk.
    item.raw = Buffer.from(raw);
    this.#retained += raw.length;
  }
}

function key(gr: string, versionDir: string | undefined, namespace: string | undefined, name: string): string {
  return `${gr}\u0000${versionDir ?? ''}\u0000${namespace ?? ''}\u0000${name}`;
}

function compareItems(a: IndexedItem, b: IndexedItem): number {
  const ns = (a.namespace ?? '').localeCompare(b.namespace ?? '');
  return ns !== 0 ? ns : a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}
