/**
 * @module repo/crypto-pool: bulk CPU work of the repository on worker threads (ADR 0015).
 *
 * Measured (bench/repo-micro.ts, bench/repo-save.ts, bench/repo-fs.ts): WebCrypto and async zlib on the libuv
 * pool leave 0.3-0.9 ms of main-thread work per MiB each (copies, stream machinery); fresh large buffers cost
 * page faults and GC. So a worker does a whole blob synchronously and writes the sealed bytes into its *lane*
 * (a buffer that becomes the pack: sealed bytes cross threads once, inside a pack), and buffers are handed
 * back and forth for reuse: plaintext buffers to the main thread after use, pack buffers to the worker after
 * their upload.
 *
 * A large blob is saved in two steps so a duplicate costs only its id: `hash` (the worker keeps the plaintext
 * and answers the id), then `seal` or `drop`. Small blobs (below 64 KiB: files, trees) go in *batches*: copied
 * back to back into one buffer, hashed and sealed by a worker in one message, and returned as ids and sealed
 * bytes in one buffer, which the main thread packs in its own *inline lane* (a round trip per small blob costs
 * more than its work; a batch costs ~1 µs of main-thread time per blob). Caller buffers are copied before a
 * call returns, never transferred: callers may reuse them at once.
 */
import { availableParallelism } from 'node:os';
import { setImmediate } from 'node:timers';
import { Worker } from 'node:worker_threads';
import { BlobProblem, openBlobRaw, openObjectRaw, sealObject, type Compression } from './blob.ts';
import type { MasterKey } from './crypto.ts';
import type { DirScanner, ScannedDir } from './dir-scan.ts';
import type { RunBlob, WorkerReply, WorkerRequest } from './crypto-worker.ts';

/** Below this, a blob is small: batched (saves) or done inline (opens, documents). */
export const INLINE_BELOW = 64 * 1024;
/** A batch is sent when it holds this many bytes or blobs, or when the event loop turns. */
const BATCH_BYTES = 512 * 1024;
const BATCH_BLOBS = 2048;
/** Plaintext buffers kept for reuse, at most. */
const FREE_BYTES = 16 * 1024 * 1024;
const ROUND = 64 * 1024;
const WORKER_YOUNG_MB = 4;

/** Where sealed blobs wait for their pack: a worker's lane, or the main thread's (small blobs). */
export interface Lane {
  readonly id: number;
  readonly inline: boolean;
}

/** A sealed blob in a lane; `bytes` only for the inline lane (worker lanes keep theirs). */
export interface SealedRef {
  lane: Lane;
  length: number;
  /** Worker lanes: the blob's number in its lane, which the pack builder checks against its own count. */
  position?: number;
  bytes?: Buffer;
}

/** The id of a hashed plaintext; seal it into its lane (new) or drop it (a duplicate). */
export interface Hashed {
  id: string;
  seal(compression: Compression): Promise<SealedRef>;
  drop(): void;
}

/** A plaintext already copied into a buffer of the pool's own (see `copy`). */
export class PoolBytes {
  readonly bytes: Uint8Array;
  constructor(bytes: Uint8Array) {
    this.bytes = bytes;
  }
}

interface Job {
  resolve: (r: WorkerReply) => void;
  reject: (err: unknown) => void;
}

interface Slot extends Lane {
  worker: Worker;
  jobs: Map<number, Job>;
  /** Blobs of the lane asked for in packs so far: the lane number the next pack starts at. */
  packed: number;
  dead?: Error;
}

/** Small plaintexts waiting to be sent to a worker together. */
interface Batch {
  plain: Uint8Array;
  used: number;
  lengths: number[];
  compression: Compression;
  waiters: Array<{ resolve: (r: { id: string; bytes: Buffer }) => void; reject: (err: unknown) => void }>;
}

export class CryptoPool implements DirScanner {
  readonly inlineLane: Lane = { id: 0, inline: true };
  readonly #key: MasterKey;
  readonly #threads: number;
  readonly #packSize: number;
  readonly #slots: Slot[] = [];
  readonly #free: ArrayBuffer[] = [];
  #freeBytes = 0;
  #batch: Batch | undefined;
  #seq = 0;
  #lanes = 0;
  #closed = false;

  /** `packSize` sizes the workers' lane buffers (default 16 MiB). */
  constructor(key: MasterKey, opts: { threads?: number | undefined; packSize?: number | undefined } = {}) {
    this.#key = key;
    this.#threads = Math.max(1, opts.threads ?? defaultThreads());
    this.#packSize = opts.packSize ?? 16 * 1024 * 1024;
  }

  /** A copy of `plain` in a buffer of the pool's own, made now (to be handed to `hash` or `sealInto`). */
  copy(plain: Uint8Array): PoolBytes {
    return new PoolBytes(this.#copyIn(plain));
  }

  async hash(plain: Uint8Array | PoolBytes): Promise<Hashed> {
    if (plain instanceof Uint8Array && plain.length < INLINE_BELOW) {
      const id = this.#key.idOf(plain);
      return { id, seal: async (c) => this.#inline(plain, c), drop: () => undefined };
    }
    const own = plain instanceof PoolBytes ? plain.bytes : this.#copyIn(plain);
    const slot = this.#pick();
    const seq = ++this.#seq;
    const { id } = await this.#call(slot, { op: 'hash', seq, plain: own });
    let done = false;
    return {
      id: id!,
      seal: async (compression) => {
        done = true;
        const r = await this.#call(slot, { op: 'seal', seq, compression, keep: true });
        return { lane: slot, length: r.length!, position: r.position! };
      },
      drop: () => {
        if (done) return;
        done = true;
        if (!slot.dead) slot.worker.postMessage({ op: 'drop', seq } satisfies WorkerRequest);
      },
    };
  }

  /** Seals a blob whose id is known into a lane. */
  async sealInto(plain: Uint8Array | PoolBytes, compression: Compression): Promise<SealedRef> {
    if (plain instanceof Uint8Array && plain.length < INLINE_BELOW) return this.#inline(plain, compression);
    const own = plain instanceof PoolBytes ? plain.bytes : this.#copyIn(plain);
    const slot = this.#pick();
    const r = await this.#call(slot, { op: 'seal', seq: ++this.#seq, plain: own, compression, keep: true });
    return { lane: slot, length: r.length!, position: r.position! };
  }

  /**
   * The id and sealed bytes of a small plaintext (below INLINE_BELOW), through a batch: copied now, sent with
   * the others of its batch when the batch is full or the event loop turns.
   */
  hashAndSeal(plain: Uint8Array, compression: Compression): Promise<{ id: string; bytes: Buffer }> {
    if (this.#closed) return Promise.reject(new Error('the crypto pool is closed'));
    let b = this.#batch;
    if (b && (b.compression !== compression || b.used + plain.length > b.plain.length || b.lengths.length >= BATCH_BLOBS)) {
      this.#sendBatch();
      b = undefined;
    }
    if (!b) {
      const batch: Batch = (b = { plain: this.#buffer(BATCH_BYTES), used: 0, lengths: [], compression, waiters: [] });
      this.#batch = batch;
      setImmediate(() => {
        if (this.#batch === batch) this.#sendBatch();
      });
    }
    b.plain.set(plain, b.used);
    b.used += plain.length;
    b.lengths.push(plain.length);
    const waiters = b.waiters;
    return new Promise((resolve, reject) => waiters.push({ resolve, reject }));
  }

  /** frame + seal, returned (documents: index files, snapshots). */
  async seal(plain: Uint8Array, compression: Compression): Promise<Buffer> {
    if (plain.length < INLINE_BELOW) return sealObject(this.#key, plain, compression);
    return bytesOf(await this.#call(this.#pick(), { op: 'seal', seq: ++this.#seq, plain: this.#copyIn(plain), compression, keep: false }));
  }

  /** Blobs `first`… (`count` of them) of a worker lane followed by `tail` (the pack header), as one buffer. */
  async packOf(lane: Lane, first: number, count: number, tail: Buffer): Promise<Buffer> {
    const slot = lane as Slot;
    if (slot.dead) throw slot.dead;
    slot.packed = first + count;
    return bytesOf(await this.#call(slot, { op: 'pack', seq: ++this.#seq, first, count, tail }));
  }

  /** Hands a pack buffer of a worker lane back once it is uploaded (it must not be used afterwards). */
  recycle(lane: Lane, pack: Buffer): void {
    const slot = lane as Slot;
    if (lane.inline || slot.dead || this.#closed || pack.byteOffset !== 0) return;
    const buffer = pack.buffer as ArrayBuffer;
    slot.worker.postMessage({ op: 'recycle', seq: 0, buffer, kind: 'pack' } satisfies WorkerRequest, [buffer]);
  }

  /** Where the next pack of a lane starts (a new pack builder of an existing lane starts there). */
  nextInLane(lane: Lane): number {
    return lane.inline ? 0 : (lane as Slot).packed;
  }

  /** open + unframe, and the id check when `id` is given; throws BlobProblem. With `transfer`, `sealed` is the pool's to take. */
  async open(sealed: Uint8Array, opts: { id?: string | undefined; rawLength?: number | undefined; transfer?: boolean } = {}): Promise<Buffer> {
    if (sealed.length < INLINE_BELOW) return opts.id ? openBlobRaw(this.#key, sealed, opts.id, opts.rawLength) : openObjectRaw(this.#key, sealed, opts.rawLength);
    const own = opts.transfer && sealed.byteOffset === 0 && sealed.byteLength === sealed.buffer.byteLength ? sealed : this.#copyIn(sealed);
    return bytesOf(await this.#call(this.#pick(), { op: 'open', seq: ++this.#seq, sealed: own, id: opts.id, rawLength: opts.rawLength }, [own.buffer as ArrayBuffer]));
  }

  /**
   * Opens the blobs lying in `sealed` (a run read from a pack; it is the pool's to take), checking each like
   * `open`. Their plaintexts are views of one buffer: `release()` hands it back for reuse once the caller is done
   * with all of them. A blob that fails throws BlobProblem with `blob` set to its index.
   */
  async openRun(sealed: Buffer, blobs: RunBlob[]): Promise<{ plains: Buffer[]; release: () => void }> {
    if (sealed.length < INLINE_BELOW) {
      const plains = blobs.map((b, i) => {
        try {
          return openBlobRaw(this.#key, sealed.subarray(b.offset, b.offset + b.length), b.id, b.rawLength);
        } catch (err) {
          if (err instanceof BlobProblem) err.blob = i;
          throw err;
        }
      });
      return { plains, release: () => undefined };
    }
    const own = sealed.byteOffset === 0 && sealed.byteLength === sealed.buffer.byteLength ? sealed : this.#copyIn(sealed);
    const slot = this.#pick();
    const r = await this.#call(slot, { op: 'openRun', seq: ++this.#seq, sealed: own, blobs }, [own.buffer as ArrayBuffer]);
    const out = r.bytes!;
    let at = out.byteOffset;
    const plains = blobs.map((_, i) => {
      const p = Buffer.from(out.buffer, at, r.lengths![i]!);
      at += r.lengths![i]!;
      return p;
    });
    let released = false;
    const release = (): void => {
      if (released || slot.dead || this.#closed) return;
      released = true;
      const buffer = out.buffer as ArrayBuffer;
      slot.worker.postMessage({ op: 'recycle', seq: 0, buffer, kind: 'run' } satisfies WorkerRequest, [buffer]);
    };
    return { plains, release };
  }

  /** A directory listed and its entries lstat'ed on a worker (`DirScanner`). */
  async scanDir(path: string): Promise<ScannedDir> {
    return (await this.#call(this.#pick(), { op: 'scan', seq: ++this.#seq, path })).scanned!;
  }

  async close(): Promise<void> {
    this.#closed = true;
    const batch = this.#batch;
    this.#batch = undefined;
    const slots = this.#slots.splice(0);
    for (const s of slots) s.dead = new Error('the crypto pool was closed');
    for (const w of batch?.waiters ?? []) w.reject(new Error('the crypto pool was closed'));
    await Promise.all(slots.map((s) => s.worker.terminate()));
    for (const s of slots) for (const job of s.jobs.values()) job.reject(s.dead);
    this.#free.length = 0;
  }

  #inline(plain: Uint8Array, compression: Compression): SealedRef {
    const bytes = sealObject(this.#key, plain, compression);
    return { lane: this.inlineLane, length: bytes.length, bytes };
  }

  #sendBatch(): void {
    const b = this.#batch;
    if (!b) return;
    this.#batch = undefined;
    let slot: Slot;
    try {
      slot = this.#pick();
    } catch (err) {
      for (const w of b.waiters) w.reject(err);
      return;
    }
    const req: WorkerRequest = { op: 'batch', seq: ++this.#seq, plain: b.plain.subarray(0, b.used), lengths: Uint32Array.from(b.lengths), compression: b.compression };
    this.#call(slot, req).then(
      (r) => {
        const ids = Buffer.from(r.ids!.buffer, r.ids!.byteOffset, r.ids!.byteLength);
        const sealed = Buffer.from(r.bytes!.buffer, r.bytes!.byteOffset, r.bytes!.byteLength);
        let at = 0;
        for (const [i, w] of b.waiters.entries()) {
          const length = r.lengths![i]!;
          // A copy (small: from Node's buffer pool), so the batch's buffer goes straight back to the worker.
          w.resolve({ id: ids.toString('hex', 32 * i, 32 * i + 32), bytes: Buffer.from(sealed.subarray(at, at + length)) });
          at += length;
        }
        if (!slot.dead && !this.#closed) slot.worker.postMessage({ op: 'recycle', seq: 0, buffer: sealed.buffer as ArrayBuffer, kind: 'run' } satisfies WorkerRequest, [sealed.buffer as ArrayBuffer]);
      },
      (err: unknown) => {
        for (const w of b.waiters) w.reject(err);
      },
    );
  }

  /** A copy of `u` in a buffer of the pool's own (reused when one is free), so it can be transferred. */
  #copyIn(u: Uint8Array): Uint8Array {
    const out = this.#buffer(u.byteLength);
    out.set(u);
    return out;
  }

  /** `bytes` of a buffer of the pool's own: a free one that is not much larger, or a new one. */
  #buffer(bytes: number): Uint8Array {
    let i = -1;
    for (let j = 0; j < this.#free.length; j++) {
      const b = this.#free[j]!.byteLength;
      if (b >= bytes && b <= 2 * bytes + ROUND && (i < 0 || b < this.#free[i]!.byteLength)) i = j;
    }
    let ab: ArrayBuffer;
    if (i >= 0) {
      ab = this.#free.splice(i, 1)[0]!;
      this.#freeBytes -= ab.byteLength;
    } else ab = Buffer.allocUnsafeSlow(Math.ceil(Math.max(1, bytes) / ROUND) * ROUND).buffer as ArrayBuffer;
    return new Uint8Array(ab, 0, bytes);
  }

  #recycle(ab: ArrayBuffer): void {
    if (this.#closed || this.#freeBytes + ab.byteLength > FREE_BYTES) return;
    this.#free.push(ab);
    this.#freeBytes += ab.byteLength;
  }

  /** The least busy worker; a new one while there are fewer than `threads` and all are busy. */
  #pick(): Slot {
    if (this.#closed) throw new Error('the crypto pool is closed');
    let best = this.#slots[0];
    for (const s of this.#slots) if (s.jobs.size < best!.jobs.size) best = s;
    if (best && (best.jobs.size === 0 || this.#slots.length >= this.#threads)) return best;
    return this.#spawn();
  }

  #spawn(): Slot {
    const worker = new Worker(new URL('./crypto-worker.ts', import.meta.url), {
      workerData: { key: this.#key.exportBytes(), packSize: this.#packSize },
      // The worker's data lives in array buffers outside its JS heap; a small young generation keeps its
      // own scratch objects (messages, closures) from costing several MB of semi-spaces.
      resourceLimits: { maxYoungGenerationSizeMb: WORKER_YOUNG_MB },
    });
    const slot: Slot = { id: ++this.#lanes, inline: false, worker, jobs: new Map(), packed: 0 };
    worker.unref(); // referenced only while it has jobs: an idle pool never keeps the process alive
    worker.on('message', (r: WorkerReply) => {
      if (r.recycled) this.#recycle(r.recycled);
      const job = slot.jobs.get(r.seq);
      if (!job) return;
      this.#settle(slot, r.seq);
      if (r.problem !== undefined) job.reject(Object.assign(new BlobProblem(r.problem), r.problemBlob !== undefined ? { blob: r.problemBlob } : {}));
      else if (r.error !== undefined) job.reject(new Error(`crypto worker: ${r.error}`));
      else job.resolve(r);
    });
    const fail = (err: unknown): void => {
      // Its lane (sealed blobs not yet packed) is lost with it: the pack saver fails rather than lose blobs silently.
      slot.dead ??= err instanceof Error ? err : new Error(`crypto worker failed: ${String(err)}`);
      const i = this.#slots.indexOf(slot);
      if (i >= 0) this.#slots.splice(i, 1);
      for (const [seq, job] of slot.jobs) {
        this.#settle(slot, seq);
        job.reject(slot.dead);
      }
    };
    worker.on('error', fail);
    worker.on('exit', (code) => fail(new Error(`crypto worker exited with code ${code}`)));
    this.#slots.push(slot);
    return slot;
  }

  #call(slot: Slot, req: WorkerRequest, transfer: ArrayBuffer[] = []): Promise<WorkerReply> {
    if (slot.dead) return Promise.reject(slot.dead);
    // Plaintexts were copied into buffers of the pool's own: transfer them (cloning a view would copy its whole buffer).
    if ('plain' in req && req.plain) transfer.push(req.plain.buffer as ArrayBuffer);
    return new Promise((resolve, reject) => {
      if (slot.jobs.size === 0) slot.worker.ref();
      slot.jobs.set(req.seq, { resolve, reject });
      slot.worker.postMessage(req, transfer);
    });
  }

  #settle(slot: Slot, seq: number): void {
    slot.jobs.delete(seq);
    if (slot.jobs.size === 0) slot.worker.unref();
  }
}

/**
 * One worker per core but one: the main thread is busy too (reading and chunking files, packing, uploading).
 * Measured on 2 cores (F1): one worker gave more MB/s, less CPU and ~50 MB less peak RSS than two.
 */
function defaultThreads(): number {
  return Math.max(1, availableParallelism() - 1);
}

function bytesOf(r: WorkerReply): Buffer {
  const b = r.bytes!;
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength);
}
