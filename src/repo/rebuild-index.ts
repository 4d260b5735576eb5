/**
 * @module repo/rebuild-index: index files rebuilt from pack headers, for packs no index file lists (index files
 * lost or damaged, or a crash between a pack's upload and its index file), or for every pack (`full`).
 */
import type { ObjectStore } from '../storage/index.ts';
import { mapLimit } from '../util/index.ts';
import type { Compression } from './blob.ts';
import type { CryptoPool } from './crypto-pool.ts';
import type { MasterKey } from './crypto.ts';
import { RepoIntegrityError } from './errors.ts';
import { indexKey, writeIndexFiles, type IndexCache, type IndexedPackEntries, type LoadedIndex } from './index-file.ts';
import { readPackHeader } from './pack.ts';
import { listPackObjects } from './pack-stream.ts';

export interface RebuildContext {
  store: ObjectStore;
  prefix: string;
  key: MasterKey;
  pool: CryptoPool;
  cache: IndexCache;
  compression: Compression;
  signal?: AbortSignal | undefined;
}

export interface RebuildResult {
  /** Packs in the store. */
  packs: number;
  /** Packs whose headers were read. */
  packsRead: number;
  blobsIndexed: number;
  indexFilesWritten: string[];
  indexFilesRemoved: string[];
  /** Packs whose header failed its checks: not indexed (their blobs are lost unless stored elsewhere). */
  damagedPacks: RepoIntegrityError[];
}

/**
 * `current` is the index as loaded (with damaged files skipped) before this call lists the packs: a pack
 * uploaded after the listing of packs has its index file written after that load too, so a full rebuild never
 * supersedes the only file that lists it.
 */
export async function rebuildIndex(ctx: RebuildContext, current: LoadedIndex, opts: { full?: boolean | undefined; concurrency?: number | undefined } = {}): Promise<RebuildResult> {
  const { store, prefix, key, pool, cache, compression, signal } = ctx;
  const packs = await listPackObjects(store, prefix, signal);
  const todo = opts.full ? packs : packs.filter((p) => !current.packs.has(p.id));
  const damagedPacks: RepoIntegrityError[] = [];
  const read = await mapLimit(todo, opts.concurrency ?? 8, async (p): Promise<IndexedPackEntries | undefined> => {
    try {
      return { id: p.id, blobs: await readPackHeader(store, key, prefix, p.id, p.size, signal) };
    } catch (err) {
      if (!(err instanceof RepoIntegrityError)) throw err;
      damagedPacks.push(err);
      return undefined;
    }
  });
  const found = read.filter((p): p is IndexedPackEntries => p !== undefined);
  const damagedIndex = current.damaged.map((e) => e.key!.slice(`${prefix}index/`.length));
  const replaced = opts.full ? [...current.files, ...current.superseded, ...damagedIndex] : damagedIndex;
  const written = await writeIndexFiles(store, prefix, pool, cache, compression, found, replaced, signal);
  // The new files are in place (the last one supersedes the old ones): the old ones can go.
  await mapLimit(replaced, 8, async (id) => {
    await store.deleteObject(indexKey(prefix, id));
    await cache.drop(id);
  });
  return {
    packs: packs.length,
    packsRead: todo.length,
    blobsIndexed: found.reduce((n, p) => n + p.blobs.length, 0),
    indexFilesWritten: written,
    indexFilesRemoved: replaced,
    damagedPacks,
  };
}
