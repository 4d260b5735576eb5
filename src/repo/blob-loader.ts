/**
 * @module repo/blob-loader: the read path of blobs. One ranged GET per blob, or per run of blobs that lie
 * back to back in one pack (a file's chunks usually do), then authentication and the id check per blob — a
 * whole run in one worker call, its plaintexts in one buffer that can be reused (`reuse`).
 */
import { isObjectNotFound, type ObjectStore } from '../storage/index.ts';
import { BlobProblem } from './blob.ts';
import type { BlobIndex } from './blob-index.ts';
import type { CryptoPool } from './crypto-pool.ts';
import { RepoError, RepoIntegrityError } from './errors.ts';
import { packKey } from './pack.ts';
import type { BlobId, BlobLocation, BlobType, LoadBlobsOptions as ApiLoadBlobsOptions } from './types.ts';

export interface BlobSource {
  store: ObjectStore;
  prefix: string;
  pool: CryptoPool;
  index: BlobIndex;
}

/** Authenticates, decompresses and checks the id of one blob (on a worker when large). */
async function open(src: BlobSource, sealed: Buffer, loc: BlobLocation, transfer: boolean): Promise<Buffer> {
  try {
    return await src.pool.open(sealed, { id: loc.id, rawLength: loc.rawLength, transfer });
  } catch (err) {
    if (err instanceof BlobProblem) throw new RepoIntegrityError({ kind: 'blob', blobId: loc.id, pack: loc.pack }, err.message);
    throw err;
  }
}

/** What repository callers may ask for (types.ts), and read-ahead tuning. */
export interface LoadBlobsOptions extends ApiLoadBlobsOptions {
  /** Ranged reads in flight ahead of the consumer (default 4). */
  prefetch?: number | undefined;
  /** Largest single ranged read (default 8 MiB); a blob larger than this is read alone. */
  maxRangeBytes?: number | undefined;
}

function locate(src: BlobSource, id: BlobId, type: BlobType | undefined): BlobLocation {
  const loc = src.index.get(id);
  if (!loc) throw new RepoError('NotFound', `blob ${id} is not in the repository's index (a missing pack or index file; \`repo check\` tells more)`);
  if (type && loc.type !== type) throw new RepoError('NotFound', `blob ${id} is a ${loc.type} blob, not a ${type} blob`);
  return loc;
}

/** Bytes `[offset, offset + length)` of a pack; a missing or short pack is an integrity error. */
async function readRange(src: BlobSource, pack: string, offset: number, length: number, signal: AbortSignal | undefined): Promise<Buffer> {
  const key = packKey(src.prefix, pack);
  let bytes: Buffer;
  try {
    bytes = await src.store.getObjectRange(key, offset, length, signal ? { signal } : {});
  } catch (err) {
    if (isObjectNotFound(err)) throw new RepoIntegrityError({ kind: 'pack', pack, key }, 'the pack is missing from the store', { cause: err });
    throw err;
  }
  if (bytes.length !== length) throw new RepoIntegrityError({ kind: 'pack', pack, key }, `the pack ends before byte ${offset + length} (truncated)`);
  return bytes;
}

export async function loadBlob(src: BlobSource, type: BlobType | undefined, id: BlobId, signal?: AbortSignal): Promise<Buffer> {
  const loc = locate(src, id, type);
  return open(src, await readRange(src, loc.pack, loc.offset, loc.length, signal), loc, true);
}

/** Consecutive requested blobs that lie back to back in one pack, read with one request. */
interface Run {
  pack: string;
  offset: number;
  length: number;
  blobs: BlobLocation[];
}

function* runsOf(src: BlobSource, ids: Iterable<BlobId>, type: BlobType | undefined, maxRange: number): Generator<Run> {
  let run: Run | undefined;
  for (const id of ids) {
    const loc = locate(src, id, type);
    if (run && run.pack === loc.pack && run.offset + run.length === loc.offset && run.length + loc.length <= maxRange) {
      run.blobs.push(loc);
      run.length += loc.length;
      continue;
    }
    if (run) yield run;
    run = { pack: loc.pack, offset: loc.offset, length: loc.length, blobs: [loc] };
  }
  if (run) yield run;
}

interface LoadedRun {
  blobs: Array<{ id: BlobId; data: Buffer }>;
  /** Hands the plaintext buffer back and returns the budget. */
  done: () => void;
}

/** One ranged read, then every blob of the run opened in one worker call (on the main thread when small). */
async function readRun(src: BlobSource, run: Run, opts: LoadBlobsOptions): Promise<LoadedRun> {
  const cost = 2 * run.length;
  await opts.budget?.acquire(cost, opts.signal);
  try {
    const bytes = await readRange(src, run.pack, run.offset, run.length, opts.signal);
    const blobs = run.blobs.map((b) => ({ offset: b.offset - run.offset, length: b.length, id: b.id, rawLength: b.rawLength }));
    let opened: { plains: Buffer[]; release: () => void };
    try {
      opened = await src.pool.openRun(bytes, blobs);
    } catch (err) {
      if (err instanceof BlobProblem) {
        const loc = run.blobs[err.blob ?? 0]!;
        throw new RepoIntegrityError({ kind: 'blob', blobId: loc.id, pack: loc.pack }, err.message);
      }
      throw err;
    }
    let finished = false;
    return {
      blobs: run.blobs.map((b, i) => ({ id: b.id, data: opened.plains[i]! })),
      done: () => {
        if (finished) return;
        finished = true;
        if (opts.reuse) opened.release();
        opts.budget?.release(cost);
      },
    };
  } catch (err) {
    opts.budget?.release(cost);
    throw err;
  }
}

/**
 * The blobs of `ids`, in that order (a repeated id is yielded each time), read ahead a few requests at a time.
 * Memory stays near prefetch × maxRangeBytes × 2 (sealed and plain), or within `budget`.
 */
export async function* loadBlobs(src: BlobSource, ids: Iterable<BlobId>, opts: LoadBlobsOptions = {}): AsyncGenerator<{ id: BlobId; data: Buffer }> {
  const prefetch = Math.max(1, opts.prefetch ?? 4);
  const runs = runsOf(src, ids, opts.type, opts.maxRangeBytes ?? 8 * 1024 * 1024);
  const ahead: Array<Promise<LoadedRun>> = [];
  const fill = (): void => {
    while (ahead.length < prefetch) {
      const next = runs.next();
      if (next.done) return;
      const p = readRun(src, next.value, opts);
      p.catch(() => undefined); // surfaced when awaited in order
      ahead.push(p);
    }
  };
  let current: LoadedRun | undefined;
  try {
    fill();
    while (ahead.length > 0) {
      current = await ahead.shift()!;
      fill();
      yield* current.blobs;
      current.done();
      current = undefined;
    }
  } finally {
    current?.done();
    // An early return or error leaves no read running, and what was read ahead is given back.
    for (const r of await Promise.allSettled(ahead)) if (r.status === 'fulfilled') r.value.done();
  }
}
