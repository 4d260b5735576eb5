/**
 * @module repo/index-file: index files (ADR 0015): which blobs are in which packs, sealed zstd JSON named by
 * the SHA-256 of their bytes, written after the packs they describe. Loading reads them all into a BlobIndex,
 * through a local cache (they are immutable, so a cached copy whose hash matches is the object).
 */
import { mkdir, readFile, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { isObjectNotFound, readObject, type ObjectStore } from '../storage/index.ts';
import { mapLimit } from '../util/index.ts';
import { BlobProblem, checkNamed, listIds, parseDocument, type Compression } from './blob.ts';
import type { BlobIndex } from './blob-index.ts';
import type { CryptoPool } from './crypto-pool.ts';
import { isHexId, randomHex, sha256Hex } from './crypto.ts';
import { RepoIntegrityError } from './errors.ts';
import type { PackEntry } from './pack.ts';
import type { BlobType } from './types.ts';

/** One pack as an index file lists it. */
export interface IndexedPackEntries {
  id: string;
  blobs: PackEntry[];
}

export interface IndexFileContent {
  /** Index files this one replaces: loaders ignore them (maintenance deletes them afterwards). */
  supersedes?: string[];
  packs: IndexedPackEntries[];
}

/** Past this many blobs the writer starts a new index file, so no file (or its JSON string) gets huge. */
export const MAX_BLOBS_PER_INDEX_FILE = 50_000;
const LOAD_CONCURRENCY = 8;

export function indexKey(prefix: string, id: string): string {
  return `${prefix}index/${id}`;
}

export async function encodeIndexFile(pool: CryptoPool, content: IndexFileContent, compression: Compression): Promise<{ id: string; bytes: Buffer }> {
  const json = JSON.stringify({
    ...(content.supersedes?.length ? { supersedes: content.supersedes } : {}),
    packs: content.packs.map((p) => ({ id: p.id, blobs: p.blobs.map((b) => ({ id: b.id, type: b.type, offset: b.offset, length: b.length, rawLength: b.rawLength })) })),
  });
  const bytes = await pool.seal(Buffer.from(json), compression);
  return { id: sha256Hex(bytes), bytes };
}

/** Opens and validates an index file's bytes (already checked against its name). */
async function openIndexFile(pool: CryptoPool, objectKey: string, bytes: Buffer): Promise<IndexFileContent> {
  const target = { kind: 'index' as const, key: objectKey };
  let plain: Buffer;
  try {
    plain = await pool.open(bytes);
  } catch (err) {
    if (err instanceof BlobProblem) throw new RepoIntegrityError(target, err.message);
    throw err;
  }
  return parseDocument<IndexFileContent>(plain, target, contentProblem);
}

function contentProblem(v: unknown): string | undefined {
  const o = v as Partial<IndexFileContent> | null;
  if (typeof o !== 'object' || o === null || !Array.isArray(o.packs)) return 'it has no packs list';
  if (o.supersedes !== undefined && !(Array.isArray(o.supersedes) && o.supersedes.every((s) => typeof s === 'string' && isHexId(s)))) return 'its supersedes list is malformed';
  for (const p of o.packs) {
    if (typeof p?.id !== 'string' || !isHexId(p.id) || !Array.isArray(p.blobs)) return 'a pack entry is malformed';
    for (const b of p.blobs) {
      const nums = [b?.offset, b?.length, b?.rawLength];
      if (typeof b?.id !== 'string' || !isHexId(b.id) || !isBlobType(b.type) || !nums.every((n) => Number.isSafeInteger(n) && (n as number) >= 0)) return `a blob entry of pack ${p.id} is malformed`;
    }
  }
  return undefined;
}

function isBlobType(t: unknown): t is BlobType {
  return t === 'data' || t === 'tree';
}

/** Immutable index files kept on local disk: `<dir>/<id>`. Without a directory it caches nothing. */
export class IndexCache {
  readonly dir: string | undefined;

  constructor(dir: string | undefined) {
    this.dir = dir;
  }

  async get(id: string): Promise<Buffer | undefined> {
    if (!this.dir) return undefined;
    return readFile(join(this.dir, id)).catch(() => undefined);
  }

  /** Best effort: a cache that cannot be written only costs downloads. */
  async put(id: string, bytes: Buffer): Promise<void> {
    if (!this.dir) return;
    const tmp = join(this.dir, `.tmp-${randomHex(6)}`);
    try {
      await mkdir(this.dir, { recursive: true });
      await writeFile(tmp, bytes, { mode: 0o600 });
      await rename(tmp, join(this.dir, id));
    } catch {
      await rm(tmp, { force: true }).catch(() => undefined);
    }
  }

  async drop(id: string): Promise<void> {
    if (this.dir) await rm(join(this.dir, id), { force: true }).catch(() => undefined);
  }

  /** Removes cached files the repository no longer has. */
  async prune(live: ReadonlySet<string>): Promise<void> {
    if (!this.dir) return;
    const names = await readdir(this.dir).catch(() => [] as string[]);
    await mapLimit(names.filter((n) => !live.has(n)), 8, (n) => rm(join(this.dir!, n), { force: true }).catch(() => undefined));
  }
}

/** The ids of every index file (one listing). */
export function listIndexIds(store: ObjectStore, prefix: string, signal?: AbortSignal): Promise<string[]> {
  return listIds(store, `${prefix}index/`, signal);
}

/**
 * One index file's bytes, checked against its name once: from the cache when they match, else from the store
 * (then cached). Undefined when the store does not have it (deleted by maintenance between listing and reading).
 */
async function fetchIndexFile(store: ObjectStore, prefix: string, cache: IndexCache, id: string, signal?: AbortSignal): Promise<Buffer | undefined> {
  const cached = await cache.get(id);
  if (cached && sha256Hex(cached) === id) return cached;
  const key = indexKey(prefix, id);
  let bytes: Buffer;
  try {
    bytes = await readObject(store, key, signal);
  } catch (err) {
    if (isObjectNotFound(err)) return undefined;
    throw err;
  }
  checkNamed(bytes, id, { kind: 'index', key });
  await cache.put(id, bytes);
  return bytes;
}

/**
 * One index file through the cache, opened and validated; undefined when the store does not have it. One that
 * fails its checks throws RepoIntegrityError (and leaves the cache).
 */
export async function readIndexFile(store: ObjectStore, prefix: string, pool: CryptoPool, cache: IndexCache, id: string, signal?: AbortSignal): Promise<IndexFileContent | undefined> {
  try {
    const bytes = await fetchIndexFile(store, prefix, cache, id, signal);
    if (!bytes) return undefined;
    return await openIndexFile(pool, indexKey(prefix, id), bytes);
  } catch (err) {
    if (err instanceof RepoIntegrityError) await cache.drop(id);
    throw err;
  }
}

export interface LoadedIndex {
  /** Index files read and in force (not superseded). */
  files: string[];
  /** Index files superseded by another one. */
  superseded: string[];
  /** Packs described by the index files in force. */
  packs: Set<string>;
  /** Index files that failed their checks (only with skipDamaged; otherwise the first one is thrown). */
  damaged: RepoIntegrityError[];
}

export interface LoadIndexOptions {
  signal?: AbortSignal | undefined;
  /** Skip index files that fail their checks instead of failing (check and rebuild-index use it). */
  skipDamaged?: boolean | undefined;
}

/**
 * Reads every index file into `index`. Packs named only by superseded index files are dropped; the cache
 * is pruned to the files that exist.
 */
export async function loadIndex(store: ObjectStore, prefix: string, pool: CryptoPool, cache: IndexCache, index: BlobIndex, opts: LoadIndexOptions = {}): Promise<LoadedIndex> {
  const { signal } = opts;
  const ids = await listIndexIds(store, prefix, signal);
  const packsOf = new Map<string, string[]>();
  const superseded = new Set<string>();
  const damaged: RepoIntegrityError[] = [];
  await mapLimit(ids, LOAD_CONCURRENCY, async (id) => {
    let content: IndexFileContent | undefined;
    try {
      content = await readIndexFile(store, prefix, pool, cache, id, signal);
    } catch (err) {
      if (!(opts.skipDamaged && err instanceof RepoIntegrityError)) throw err;
      damaged.push(err);
      return;
    }
    if (!content) return;
    for (const s of content.supersedes ?? []) superseded.add(s);
    packsOf.set(id, content.packs.map((p) => p.id));
    for (const p of content.packs) for (const b of p.blobs) index.add({ ...b, pack: p.id });
  });
  const live = [...packsOf.keys()].filter((id) => !superseded.has(id));
  const packs = new Set(live.flatMap((id) => packsOf.get(id)!));
  const dropped = new Set([...packsOf].filter(([id]) => superseded.has(id)).flatMap(([, p]) => p).filter((p) => !packs.has(p)));
  index.removePacks(dropped);
  await cache.prune(new Set(ids));
  return { files: live.sort(), superseded: [...packsOf.keys()].filter((id) => superseded.has(id)).sort(), packs, damaged };
}

/**
 * Writes index files for `packs` (split at MAX_BLOBS_PER_INDEX_FILE blobs, each written once full, so a
 * generator of packs is never held whole); `supersedes` goes on the last one, so a crash part-way leaves the
 * old files in force. Each is cached as written. Returns the new ids.
 */
export async function writeIndexFiles(
  store: ObjectStore,
  prefix: string,
  pool: CryptoPool,
  cache: IndexCache,
  compression: Compression,
  packs: Iterable<IndexedPackEntries> | AsyncIterable<IndexedPackEntries>,
  supersedes: string[] = [],
  signal?: AbortSignal,
): Promise<string[]> {
  const written: string[] = [];
  const write = async (content: IndexFileContent): Promise<void> => {
    const { id, bytes } = await encodeIndexFile(pool, content, compression);
    await store.putObject(indexKey(prefix, id), bytes, signal ? { signal } : {});
    await cache.put(id, bytes);
    written.push(id);
  };
  let group: IndexedPackEntries[] = [];
  let blobs = 0;
  for await (const p of packs) {
    if (blobs > 0 && blobs + p.blobs.length > MAX_BLOBS_PER_INDEX_FILE) {
      await write({ packs: group });
      group = [];
      blobs = 0;
    }
    group.push(p);
    blobs += p.blobs.length;
  }
  if (group.length > 0 || supersedes.length > 0) await write({ packs: group, supersedes });
  return written;
}
