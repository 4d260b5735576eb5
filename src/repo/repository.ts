/**
 * @module repo/repository: an opened repository (ADR 0015) — the `RepositoryApi` the archiver, restorer,
 * maintenance and CLI use. It owns the master key, the in-memory index and the pack saver; the caller owns
 * the ObjectStore (and closes it).
 *
 * @example
 * const repo = await Repository.open(store, 'volumes/', password, { cacheDir, lock: 'shared' });
 * try {
 *   const { id } = await repo.saveBlob('data', bytes);
 *   await repo.flush();
 * } finally {
 *   await repo.close();
 * }
 */
import { join } from 'node:path';
import { isStorageError, type ObjectStore } from '../storage/index.ts';
import { loadBlob, loadBlobs, type LoadBlobsOptions } from './blob-loader.ts';
import { BlobIndex } from './blob-index.ts';
import { configExists, configKey, newConfig, readConfig, writeConfig, type ConfigOptions } from './config.ts';
import { CryptoPool } from './crypto-pool.ts';
import { MasterKey, isHexId, kdfProblem, type KdfParams } from './crypto.ts';
import { listSnapshotIds, readAllSnapshots, readSnapshot, snapshotKey, writeSnapshot } from './snapshot-file.ts';
import { parseTree, serializeTree } from './tree.ts';
import { RepoError } from './errors.ts';
import { IndexCache, loadIndex, readIndexFile, writeIndexFiles, type IndexedPackEntries, type IndexFileContent, type LoadedIndex } from './index-file.ts';
import { addKey, checkPassword, listKeyIds, listKeys, removeKey, unlock, type KeyInfo, type KeyOptions } from './keys.ts';
import { RepoLock } from './lock.ts';
import { PackSaver, type SaverStats } from './pack-saver.ts';
import { readPackHeader, type PackEntry } from './pack.ts';
import { rebuildIndex, type RebuildResult } from './rebuild-index.ts';
import type { BlobId, BlobType, RepoConfig, RepositoryApi, Snapshot, Tree } from './types.ts';
import type { DirScanner } from './dir-scan.ts';

export interface RepositoryOptions {
  /** Root of the local index cache: files go to `<cacheDir>/<repo id>/index/`. None: nothing is cached. */
  cacheDir?: string | undefined;
  /** scrypt costs for keys this Repository writes (default N=2^16, r=8, p=2). */
  kdf?: KdfParams | undefined;
  hostname?: string | undefined;
  username?: string | undefined;
  now?: (() => Date) | undefined;
  /** Large blobs at the workers at once (default 8), packs uploaded at once (default 2), worker threads (default: one per core but one, at least one). */
  encodeConcurrency?: number | undefined;
  threads?: number | undefined;
  uploadConcurrency?: number | undefined;
  /** Lock the repository before the index is read (failing at once on a conflicting lock): `shared` for backup and restore, `exclusive` for maintenance. */
  lock?: 'shared' | 'exclusive' | undefined;
  /** Open even when index files fail their checks (for check and rebuild-index); see `indexState.damaged`. */
  skipDamagedIndex?: boolean | undefined;
  signal?: AbortSignal | undefined;
}

export type InitOptions = RepositoryOptions & ConfigOptions;

/** `aws bucket "b" prefix "p/"`: how messages name a repository. */
export function describeLocation(store: ObjectStore, prefix: string): string {
  return `${store.provider} bucket ${JSON.stringify(store.bucket)}${prefix ? ` prefix ${JSON.stringify(prefix)}` : ''}`;
}

/** '' or `a/b/`: no leading slash, a trailing one added. */
export function normalizeRepoPrefix(prefix: string): string {
  const p = prefix.replace(/^\/+/, '');
  return p === '' || p.endsWith('/') ? p : `${p}/`;
}

export class Repository implements RepositoryApi {
  readonly store: ObjectStore;
  readonly prefix: string;
  readonly config: RepoConfig;
  /** How messages name this repository. */
  readonly where: string;
  readonly #key: MasterKey;
  readonly #pool: CryptoPool;
  #keyId: string;
  readonly #opts: RepositoryOptions;
  readonly #cache: IndexCache;
  #index: BlobIndex;
  #indexState: LoadedIndex;
  #saver: PackSaver;
  #lock: RepoLock | undefined;

  private constructor(init: { store: ObjectStore; prefix: string; config: RepoConfig; key: MasterKey; pool: CryptoPool; keyId: string; opts: RepositoryOptions; cache: IndexCache; index: BlobIndex; indexState: LoadedIndex; lock: RepoLock | undefined }) {
    this.store = init.store;
    this.prefix = init.prefix;
    this.config = init.config;
    this.where = describeLocation(init.store, init.prefix);
    this.#key = init.key;
    this.#pool = init.pool;
    this.#keyId = init.keyId;
    this.#opts = init.opts;
    this.#cache = init.cache;
    this.#index = init.index;
    this.#indexState = init.indexState;
    this.#saver = this.#newSaver();
    this.#lock = init.lock;
  }

  /** Creates a repository (config, then the first key) and opens it. Fails when one exists at the location. */
  static async init(store: ObjectStore, prefix: string, password: string, opts: InitOptions = {}): Promise<Repository> {
    checkPassword(password);
    const p = normalizeRepoPrefix(prefix);
    const where = describeLocation(store, p);
    if ((await configExists(store, p)) || (await listKeyIds(store, p)).length > 0) throw new RepoError('AlreadyExists', `a repository already exists at ${where}`);
    const kdf = opts.kdf && kdfProblem(opts.kdf);
    if (kdf) throw new RepoError('InvalidArgument', `scrypt parameters: ${kdf}`);
    const config = newConfig(opts);
    const key = new MasterKey();
    // The config first, create-only: of two concurrent inits exactly one wins, and only the winner writes a key.
    await writeConfig(store, p, key, config, where);
    let keyId: string;
    try {
      keyId = await addKey(store, p, key, password, keyOptions(opts));
    } catch (err) {
      await store.deleteObject(configKey(p)).catch(() => undefined); // nothing could ever open it
      throw err;
    }
    return Repository.#opened(store, p, config, key, keyId, opts);
  }

  /** Opens with a password (tries every key file), reads the config and the whole index (through the cache). */
  static async open(store: ObjectStore, prefix: string, password: string, opts: RepositoryOptions = {}): Promise<Repository> {
    checkPassword(password);
    const p = normalizeRepoPrefix(prefix);
    const where = describeLocation(store, p);
    const { master, keyId } = await unlock(store, p, password, where).catch(async (err: unknown) => {
      if (isStorageError(err, 'NoSuchBucket')) throw new RepoError('NotARepository', `not a repository: ${where} does not exist`, { cause: err });
      if (err instanceof RepoError && err.reason === 'NotARepository' && (await configExists(store, p))) {
        throw new RepoError('NotARepository', `the repository at ${where} has a config but no key files (an interrupted init?); nothing can open it`);
      }
      throw err;
    });
    const config = await readConfig(store, p, master, where);
    return Repository.#opened(store, p, config, master, keyId, opts);
  }

  static async #opened(store: ObjectStore, prefix: string, config: RepoConfig, key: MasterKey, keyId: string, opts: RepositoryOptions): Promise<Repository> {
    const where = describeLocation(store, prefix);
    const lock = opts.lock ? await RepoLock.acquire(store, prefix, where, { exclusive: opts.lock === 'exclusive', hostname: opts.hostname }) : undefined;
    const pool = new CryptoPool(key, { threads: opts.threads, packSize: config.packSize });
    try {
      const index = new BlobIndex();
      const cache = new IndexCache(opts.cacheDir ? join(opts.cacheDir, config.id, 'index') : undefined);
      const indexState = await loadIndex(store, prefix, pool, cache, index, { signal: opts.signal, skipDamaged: opts.skipDamagedIndex });
      return new Repository({ store, prefix, config, key, pool, keyId, opts, cache, index, indexState, lock });
    } catch (err) {
      await pool.close();
      await lock?.release().catch(() => undefined);
      throw err;
    }
  }

  /** The key file this session opened the repository with. */
  get keyId(): string {
    return this.#keyId;
  }

  /** The in-memory index (read it; do not add to it). */
  get index(): BlobIndex {
    return this.#index;
  }

  /** Index files read at open (or the last reload), superseded ones, damaged ones, packs they list. */
  get indexState(): LoadedIndex {
    return this.#indexState;
  }

  /** What this session stored so far. */
  get stats(): SaverStats {
    return this.#saver.stats;
  }

  /** Lists and lstats directories for a backup on the worker threads. */
  get scanner(): DirScanner {
    return this.#pool;
  }

  /** Seals and opens with this repository's key on the worker threads (check reads whole packs; maintenance writes index files). */
  get crypto(): CryptoPool {
    return this.#pool;
  }

  /** The lock taken at open, if any; its signal aborts when the lock is lost. */
  get heldLock(): RepoLock | undefined {
    return this.#lock;
  }

  hasBlob(id: BlobId): boolean {
    return this.#saver.has(id);
  }

  blobId(plaintext: Uint8Array): BlobId {
    return this.#key.idOf(plaintext);
  }

  /** See RepositoryApi.saveBlob. `knownId` is trusted (it must be `blobId(plaintext)`; a wrong one shows on read). */
  saveBlob(type: BlobType, plaintext: Uint8Array, knownId?: BlobId): Promise<{ id: BlobId; isNew: boolean; storedLength: number }> {
    return this.#saver.save(type, plaintext, knownId);
  }

  loadBlob(type: BlobType, id: BlobId): Promise<Uint8Array> {
    return loadBlob(this.#source(), type, id, this.#opts.signal);
  }

  /** Blobs in the order of `ids`, blobs back to back in one pack read with one request (for the restorer). */
  loadBlobs(ids: Iterable<BlobId>, opts: LoadBlobsOptions = {}): AsyncGenerator<{ id: BlobId; data: Buffer }> {
    return loadBlobs(this.#source(), ids, { signal: this.#opts.signal, ...opts });
  }

  flush(): Promise<void> {
    return this.#saver.flush();
  }

  async saveTree(tree: Tree): Promise<BlobId> {
    return (await this.saveBlob('tree', serializeTree(tree))).id;
  }

  async loadTree(id: BlobId): Promise<Tree> {
    return parseTree(await loadBlob(this.#source(), 'tree', id, this.#opts.signal));
  }

  /** Flushes first (packs → index → snapshot), then writes the snapshot file; returns its id. */
  async saveSnapshot(s: Snapshot): Promise<string> {
    await this.flush();
    return writeSnapshot(this.store, this.prefix, this.#key, this.config.compression, s);
  }

  /** A snapshot by its full id (snapshot-ops' findSnapshot resolves prefixes). */
  loadSnapshot(id: string): Promise<Snapshot> {
    return readSnapshot(this.store, this.prefix, this.#key, id, this.#opts.signal);
  }

  listSnapshots(): Promise<Snapshot[]> {
    return readAllSnapshots(this.store, this.prefix, this.#key, this.#opts.signal);
  }

  listSnapshotIds(): Promise<string[]> {
    return listSnapshotIds(this.store, this.prefix, this.#opts.signal);
  }

  /** Deletes a snapshot file (forget); its data stays until maintenance collects it. */
  async removeSnapshot(id: string): Promise<void> {
    if (!isHexId(id)) throw new RepoError('InvalidArgument', `snapshot id ${JSON.stringify(id)} is not 64 lowercase hex characters`);
    await this.store.deleteObject(snapshotKey(this.prefix, id));
  }

  /** Another password that opens this repository; returns the new key's id. */
  addPassword(password: string): Promise<string> {
    return addKey(this.store, this.prefix, this.#key, password, keyOptions(this.#opts));
  }

  /** Replaces the password this session opened with: a new key file, then the old one removed. Data is not touched. */
  async changePassword(password: string): Promise<string> {
    const old = this.#keyId;
    const id = await this.addPassword(password);
    this.#keyId = id;
    await removeKey(this.store, this.prefix, old, id);
    return id;
  }

  listKeys(): Promise<KeyInfo[]> {
    return listKeys(this.store, this.prefix, this.#keyId);
  }

  /** Removes a key file by id or unique prefix (not the one in use, not the last one). */
  removeKey(id: string): Promise<void> {
    return removeKey(this.store, this.prefix, id, this.#keyId);
  }

  /** A pack's entries, read from its header (`size` from a listing). */
  readPackHeader(packId: string, size: number): Promise<PackEntry[]> {
    return readPackHeader(this.store, this.#key, this.prefix, packId, size, this.#opts.signal);
  }

  /** One index file, through the local cache (maintenance rewrites the files in force); undefined when the store has none by that id. */
  readIndexFile(id: string, signal?: AbortSignal): Promise<IndexFileContent | undefined> {
    return readIndexFile(this.store, this.prefix, this.#pool, this.#cache, id, signal ?? this.#opts.signal);
  }

  /** Writes (and caches) index files listing `packs`; the last one supersedes `supersedes`. Returns their ids. */
  writeIndexFiles(packs: Iterable<IndexedPackEntries> | AsyncIterable<IndexedPackEntries>, supersedes: string[], signal?: AbortSignal): Promise<string[]> {
    return writeIndexFiles(this.store, this.prefix, this.#pool, this.#cache, this.config.compression, packs, supersedes, signal ?? this.#opts.signal);
  }

  /**
   * Flushes, then reads the index files again (after maintenance or another writer). `fromStore` reads every
   * file from the store, not the local cache (check verifies what is stored); `skipDamaged` as at open.
   */
  async reloadIndex(opts: { fromStore?: boolean; skipDamaged?: boolean } = {}): Promise<void> {
    await this.flush();
    await this.#reload(opts);
  }

  /**
   * Indexes packs no index file lists, from their headers (after index files were lost or damaged); `full`
   * reads every pack and replaces all index files (run it under an exclusive lock). Reloads the index when
   * it wrote or removed an index file.
   */
  async rebuildIndex(opts: { full?: boolean; concurrency?: number } = {}): Promise<RebuildResult> {
    await this.flush();
    // The index files this session wrote are not in the state read before: read it again so their packs count as indexed.
    if (this.#saver.stats.indexFiles > 0) await this.#reload({ skipDamaged: true });
    const ctx = { store: this.store, prefix: this.prefix, key: this.#key, pool: this.#pool, cache: this.#cache, compression: this.config.compression, signal: this.#opts.signal };
    const result = await rebuildIndex(ctx, this.#indexState, opts);
    if (result.indexFilesWritten.length > 0 || result.indexFilesRemoved.length > 0) await this.#reload({ skipDamaged: true });
    return result;
  }

  /**
   * Runs `fn` under a lock of `kind`: the one this session holds (an exclusive one does for a shared need; a
   * shared one for an exclusive need is an error naming `what`), or one taken now (failing at once on a
   * conflicting lock) and released after. `fn` gets the lock's signal, aborted when the lock is lost, and
   * whether the lock was taken now: then others may have written since the index was read.
   */
  async withLock<T>(kind: 'shared' | 'exclusive', what: string, fn: (lock: { signal: AbortSignal; taken: boolean }) => Promise<T>): Promise<T> {
    const held = this.#lock;
    if (held && kind === 'exclusive' && !held.exclusive) throw new RepoError('Locked', `${what} needs an exclusive lock, and this session holds a shared one; open the repository with no lock or an exclusive one`);
    const lock = held ?? (await RepoLock.acquire(this.store, this.prefix, this.where, { exclusive: kind === 'exclusive', hostname: this.#opts.hostname }));
    try {
      return await fn({ signal: lock.signal, taken: lock !== held });
    } finally {
      if (lock !== held) await lock.release();
    }
  }

  /**
   * Uploads what was saved (so a later run reuses it) unless `discard`, then stops the worker threads and
   * releases the lock. The store stays open: it is the caller's.
   */
  async close(opts: { discard?: boolean } = {}): Promise<void> {
    try {
      if (!opts.discard) await this.flush();
    } finally {
      await this.#pool.close();
      const lock = this.#lock;
      this.#lock = undefined;
      await lock?.release();
    }
  }

  /** Reads the index files into a new index (and a new saver over it); the old ones are dropped. */
  async #reload(opts: { fromStore?: boolean | undefined; skipDamaged?: boolean | undefined }): Promise<void> {
    const index = new BlobIndex();
    const cache = opts.fromStore ? new IndexCache(undefined) : this.#cache;
    this.#indexState = await loadIndex(this.store, this.prefix, this.#pool, cache, index, { signal: this.#opts.signal, skipDamaged: opts.skipDamaged ?? this.#opts.skipDamagedIndex });
    this.#index = index;
    this.#saver = this.#newSaver();
  }

  #newSaver(): PackSaver {
    return new PackSaver({
      store: this.store,
      prefix: this.prefix,
      key: this.#key,
      pool: this.#pool,
      index: this.#index,
      cache: this.#cache,
      packSize: this.config.packSize,
      compression: this.config.compression,
      encodeConcurrency: this.#opts.encodeConcurrency,
      uploadConcurrency: this.#opts.uploadConcurrency,
    });
  }

  #source(): { store: ObjectStore; prefix: string; pool: CryptoPool; index: BlobIndex } {
    return { store: this.store, prefix: this.prefix, pool: this.#pool, index: this.#index };
  }
}

function keyOptions(opts: RepositoryOptions): KeyOptions {
  return { kdf: opts.kdf, hostname: opts.hostname, username: opts.username, now: opts.now };
}
