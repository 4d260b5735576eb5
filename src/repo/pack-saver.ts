/**
 * @module repo/pack-saver: the write path of blobs (ADR 0015). Dedupes against the index and against blobs
 * accepted but not yet indexed (two saves of the same content in one run store it once), seals on the thread
 * pool (large blobs a bounded number at a time, small ones in batches), fills packs, uploads full packs in the
 * background (a bounded number at once: while a full pack waits for an upload slot, saves wait, which is the
 * backpressure) and writes index files after the packs they list.
 */
import type { ObjectStore } from '../storage/index.ts';
import { Semaphore } from '../util/index.ts';
import { sealObject, type Compression } from './blob.ts';
import type { BlobIndex } from './blob-index.ts';
import { INLINE_BELOW, type CryptoPool, type Lane, type PoolBytes, type SealedRef } from './crypto-pool.ts';
import type { MasterKey } from './crypto.ts';
import { writeIndexFiles, type IndexCache, type IndexFileContent } from './index-file.ts';
import { HEADER_ENTRY_BYTES, PackBuilder, packKey } from './pack.ts';
import type { BlobId, BlobType } from './types.ts';

export interface PackSaverOptions {
  store: ObjectStore;
  prefix: string;
  key: MasterKey;
  pool: CryptoPool;
  index: BlobIndex;
  cache: IndexCache;
  packSize: number;
  compression: Compression;
  /** Large blobs hashed and sealed at once (default 8: a few per worker keep them busy across the round trips); small ones go in batches. */
  encodeConcurrency?: number | undefined;
  /** Packs uploaded at once (default 2); memory ≈ (this + 2 per lane) × packSize (see `#closePack`). */
  uploadConcurrency?: number | undefined;
}

/** What this saver stored since it was made. */
export interface SaverStats {
  newBlobs: number;
  newBytesRaw: number;
  newBytesStored: number;
  packs: number;
  packBytes: number;
  indexFiles: number;
}

type SaveResult = { id: BlobId; isNew: boolean; storedLength: number };

/**
 * A pack is closed at this many blobs even below the pack size: every blob of an open pack costs a few hundred
 * bytes of bookkeeping until the pack is uploaded (16 MiB of 100-byte files would be 130,000 blobs), and a
 * header of 10,000 entries (410 KB) is still read in two requests.
 */
export const MAX_PACK_BLOBS = 10_000;
/**
 * An index file is written once uploaded packs hold this many blobs not yet indexed (and at flush): the JSON
 * of 50,000 entries (the most one file holds) is ~7 MB, built, compressed and sealed at once, and the entries
 * wait in memory until then; at 10,000, peak RSS of 100k small files was 15-20 MB lower.
 */
const INDEX_EVERY = 10_000;
/** The pending entry of a small blob: in its pack from the start. */
const LANDED = Promise.resolve();

export class PackSaver {
  readonly #o: PackSaverOptions;
  /** Accepted blobs not yet in the index; settles when the blob is in a pack being built (or failed). */
  readonly #pending = new Map<BlobId, Promise<void>>();
  readonly #encode: Semaphore;
  readonly #upload: Semaphore;
  readonly #uploads = new Set<Promise<void>>();
  /** The pack being filled, per lane (the inline lane, the tree lane and one per worker). */
  readonly #builders = new Map<Lane, PackBuilder>();
  /** Tree blobs: a main-thread lane of their own, so tree packs hold trees only. */
  readonly #treeLane: Lane = { id: -1, inline: true };
  /** Set while a full pack waits for an upload slot: saves wait for it before adding to a pack. */
  #backlog: Promise<void> | undefined;
  #unindexed: IndexFileContent['packs'] = [];
  #unindexedBlobs = 0;
  #failure: unknown;
  readonly stats: SaverStats = { newBlobs: 0, newBytesRaw: 0, newBytesStored: 0, packs: 0, packBytes: 0, indexFiles: 0 };

  constructor(opts: PackSaverOptions) {
    this.#o = opts;
    this.#encode = new Semaphore(opts.encodeConcurrency ?? 8);
    this.#upload = new Semaphore(opts.uploadConcurrency ?? 2);
  }

  /** Stored, or accepted by this saver and on its way. */
  has(id: BlobId): boolean {
    return this.#o.index.has(id) || this.#pending.has(id);
  }

  /**
   * Stores a blob unless it is stored or on its way. The plaintext is copied before this returns (the caller
   * may reuse its buffer at once); memory held until the promise settles is the caller's to bound.
   */
  save(type: BlobType, plaintext: Uint8Array, knownId?: BlobId): Promise<SaveResult> {
    try {
      this.#throwIfFailed();
    } catch (err) {
      return Promise.reject(err);
    }
    if (plaintext.length < INLINE_BELOW || type === 'tree') return this.#saveReturned(type, plaintext, knownId);
    return this.#saveLarge(type, this.#o.pool.copy(plaintext), plaintext.length, knownId);
  }

  /**
   * A blob whose sealed bytes come back to this thread: a small one (hashed and sealed in a batch on a worker,
   * or sealed inline when its id is known), or a tree of any size (trees are few, and the rare large one is
   * hashed here and sealed on a worker). Packed in a main-thread lane: trees in packs of their own, so the
   * trees of a snapshot lie together (read in few ranged reads) and a forgotten snapshot's trees, which
   * change at every run, leave whole packs to delete instead of holes in packs of live file data.
   */
  async #saveReturned(type: BlobType, plaintext: Uint8Array, knownId: BlobId | undefined): Promise<SaveResult> {
    const { pool, compression, key } = this.#o;
    const lane = type === 'tree' ? this.#treeLane : pool.inlineLane;
    let id = knownId;
    let bytes: Buffer | undefined;
    // Every way, the plaintext is done with before the first wait (the batch and the worker call copy it).
    if (plaintext.length >= INLINE_BELOW) {
      id ??= key.idOf(plaintext);
      if (!this.has(id)) bytes = await pool.seal(plaintext, compression);
    } else if (id === undefined) ({ id, bytes } = await pool.hashAndSeal(plaintext, compression));
    else if (!this.has(id)) bytes = sealObject(key, plaintext, compression);
    while (this.#backlog) await this.#backlog;
    this.#throwIfFailed();
    if (this.has(id) || !bytes) {
      await this.#pending.get(id); // a failed first save fails this one too
      return { id, isNew: false, storedLength: 0 };
    }
    this.#pending.set(id, LANDED);
    return this.#added(this.#builderOf(lane), id, type, { lane, length: bytes.length, bytes }, plaintext.length);
  }

  async #saveLarge(type: BlobType, plaintext: PoolBytes, rawLength: number, knownId: BlobId | undefined): Promise<SaveResult> {
    while (this.#backlog) await this.#backlog;
    const release = await this.#encode.acquire();
    try {
      const { pool, compression } = this.#o;
      // Known id: no hashing. Otherwise the worker keeps the plaintext while the id is checked, so a duplicate costs its id only.
      const hashed = knownId === undefined ? await pool.hash(plaintext) : undefined;
      const id = knownId ?? hashed!.id;
      const inFlight = this.#o.index.has(id) ? undefined : this.#pending.get(id);
      if (this.#o.index.has(id) || inFlight) {
        hashed?.drop();
        release();
        await inFlight; // a failed first save fails this one too: its caller must not reference a blob that is not stored
        return { id, isNew: false, storedLength: 0 };
      }
      let settle!: (err?: unknown) => void;
      const landed = new Promise<void>((resolve, reject) => {
        settle = (err) => (err === undefined ? resolve() : reject(err));
      });
      landed.catch(() => undefined); // observed by duplicates, if any
      this.#pending.set(id, landed);
      let sealed: SealedRef;
      try {
        sealed = hashed ? await hashed.seal(compression) : await pool.sealInto(plaintext, compression);
        this.#throwIfFailed();
      } catch (err) {
        this.#pending.delete(id);
        settle(err);
        throw err;
      }
      const builder = this.#builderOf(sealed.lane);
      settle();
      release();
      return await this.#added(builder, id, type, sealed, rawLength);
    } finally {
      release();
    }
  }

  /** Counts a blob added to its pack and closes the pack when it is full. */
  async #added(builder: PackBuilder, id: BlobId, type: BlobType, sealed: SealedRef, rawLength: number): Promise<SaveResult> {
    builder.add(id, type, sealed, rawLength);
    this.stats.newBlobs++;
    this.stats.newBytesRaw += rawLength;
    this.stats.newBytesStored += sealed.length;
    if (builder.size >= this.#o.packSize || builder.count >= MAX_PACK_BLOBS) await this.#closePack(builder);
    return { id, isNew: true, storedLength: sealed.length };
  }

  /** Uploads the open pack, waits for every upload, then writes the index of what they hold. */
  async flush(): Promise<void> {
    await Promise.allSettled([...this.#pending.values()]);
    this.#throwIfFailed();
    for (const b of [...this.#builders.values()]) if (b.count > 0) await this.#closePack(b);
    while (this.#uploads.size > 0) await Promise.allSettled([...this.#uploads]);
    this.#throwIfFailed();
    await this.#writeIndex();
  }

  #builderOf(lane: Lane): PackBuilder {
    let b = this.#builders.get(lane);
    if (!b) this.#builders.set(lane, (b = this.#newBuilder(lane, this.#o.pool.nextInLane(lane))));
    return b;
  }

  /** A pack reserved at its size plus the header of a full one and a small blob past the size (main-thread lanes). */
  #newBuilder(lane: Lane, base: number): PackBuilder {
    return new PackBuilder(lane, base, this.#o.packSize + MAX_PACK_BLOBS * HEADER_ENTRY_BYTES + INLINE_BELOW);
  }

  /**
   * Waits for an upload slot, then asks for the pack's bytes (packs of one lane in order: the slots are
   * first come, first served) and uploads them in the background. While a full pack waits for its slot, new
   * saves wait too (`#backlog`): so at most `uploadConcurrency` packs are uploading and one more is full per
   * lane, whatever the speed of the store (without it, a slow store let full packs pile up in memory).
   */
  async #closePack(builder: PackBuilder): Promise<void> {
    if (this.#builders.get(builder.lane) !== builder) return; // closed already by a concurrent save
    this.#builders.set(builder.lane, this.#newBuilder(builder.lane, builder.next));
    const slot = this.#upload.acquire();
    if (this.#upload.waiting > 0) {
      const cleared = Promise.all([this.#backlog, slot]).then(() => undefined, () => undefined);
      this.#backlog = cleared;
      void cleared.then(() => {
        if (this.#backlog === cleared) this.#backlog = undefined;
      });
    }
    const release = await slot;
    const finished = builder.finish(this.#o.key, this.#o.pool);
    const task = this.#uploadPack(finished).finally(release);
    this.#uploads.add(task);
    void task.finally(() => this.#uploads.delete(task));
  }

  async #uploadPack(finished: ReturnType<PackBuilder['finish']>): Promise<void> {
    const { store, prefix, index } = this.#o;
    try {
      const { id, bytes, entries, lane } = await finished;
      await store.putObject(packKey(prefix, id), bytes);
      this.stats.packs++;
      this.stats.packBytes += bytes.length;
      this.#o.pool.recycle(lane, bytes); // the store is done with the bytes once the upload resolved (detaches them)
      for (const e of entries) {
        index.add({ ...e, pack: id });
        this.#pending.delete(e.id);
      }
      this.#unindexed.push({ id, blobs: entries });
      this.#unindexedBlobs += entries.length;
      if (this.#unindexedBlobs >= INDEX_EVERY) await this.#writeIndex();
    } catch (err) {
      this.#failure ??= err;
    }
  }

  /** One or more index files for the packs uploaded since the last one. */
  async #writeIndex(): Promise<void> {
    if (this.#unindexed.length === 0) return;
    const packs = this.#unindexed;
    this.#unindexed = [];
    this.#unindexedBlobs = 0;
    const { store, prefix, pool, cache, compression } = this.#o;
    try {
      this.stats.indexFiles += (await writeIndexFiles(store, prefix, pool, cache, compression, packs)).length;
    } catch (err) {
      this.#unindexed.unshift(...packs); // a later flush tries again
      this.#unindexedBlobs += packs.reduce((n, p) => n + p.blobs.length, 0);
      throw err;
    }
  }

  #throwIfFailed(): void {
    if (this.#failure !== undefined) throw this.#failure;
  }
}
