/**
 * @module repo/file-content: reads one regular file and stores its content as data blobs — chunked with
 * FastCDC, holes of sparse files skipped, bounded bytes in flight, never the whole file in memory.
 */
import type { FileHandle } from 'node:fs/promises';
import { ChunkAssembler, FastCdc, READ_SIZE } from './chunker.ts';
import { TaskSet, type ByteBudget } from './budget.ts';
import type { BlobId, RepositoryApi } from './types.ts';
import { EntryError } from './walk.ts';

/**
 * Holes are found in aligned blocks of this size: the usual file system block, so a restored sparse file
 * allocates no more than its original (a divisor of READ_SIZE).
 */
export const HOLE_BLOCK = 4096;
const ZEROS = Buffer.alloc(HOLE_BLOCK);

export interface FileContent {
  /** Bytes read (the file's size as read, which may differ from an earlier stat if it changed meanwhile). */
  size: number;
  content: BlobId[];
  holes?: Array<[number, number]>;
}

/** What storing a file added to the repository. */
export interface StoreStats {
  bytesRead: number;
  newBlobs: number;
  newBytesRaw: number;
  newBytesStored: number;
}

export interface StoreFileOptions {
  repo: RepositoryApi;
  /** Chunks read but not yet accepted by `saveBlob` count against this budget. */
  budget: ByteBudget;
  /** Look for holes (only for files the file system stores sparsely). */
  sparse: boolean;
  /** Size from lstat: sizes the first read, so a small file takes one read. */
  expectedSize: number;
  stats: StoreStats;
  /** A read buffer of READ_SIZE bytes (the caller's, reused across files: a fresh one per file costs page faults). */
  buffer: Buffer;
  /** Called with the bytes of each read, for progress. */
  onRead?: (bytes: number) => void;
  signal?: AbortSignal;
}

/**
 * Reads `file` to its end and stores its chunks in order. A file smaller than the minimum chunk size is one
 * blob; a larger or sparse one streams through the chunker (and the hole finder) with one read buffer. Chunks
 * are views of the read buffer (or of the chunker's carry): `saveBlob` copies them before it returns, so the
 * buffer is read into again only once the chunks of the last read are handed over.
 */
export async function storeFile(file: FileHandle, opts: StoreFileOptions): Promise<FileContent> {
  const { minSize } = opts.repo.config.chunker;
  const buf = opts.buffer;
  // One byte more than expected, so an unchanged small file is read (and known complete) in one call.
  const first = buf.subarray(0, Math.min(READ_SIZE, opts.expectedSize + 1));
  const n = await readFull(file, first, opts.signal);
  opts.onRead?.(n);
  opts.stats.bytesRead += n;
  if (n === 0) return { size: 0, content: [] };
  if (n < first.length && n < minSize && !opts.sparse) {
    const { id } = await save(opts, first.subarray(0, n));
    return { size: n, content: [id] };
  }
  // The rest is read into the same buffer: the head's chunks are handed over (copied) before the next read.
  return streamFile(file, buf, first.subarray(0, n), n < first.length, opts);
}

/** Chunks the rest of a file; `head` holds the bytes already read, `eof` tells whether that was all. */
async function streamFile(file: FileHandle, buf: Buffer, head: Buffer, eof: boolean, opts: StoreFileOptions): Promise<FileContent> {
  const assembler = new ChunkAssembler(new FastCdc(opts.repo.config.chunker));
  const ids: BlobId[] = [];
  const tasks = new TaskSet();
  const holes = new HoleList();
  const emit = async (chunks: Uint8Array[]): Promise<void> => {
    for (const chunk of chunks) {
      tasks.check();
      const slot = ids.push('') - 1;
      await opts.budget.acquire(chunk.length, opts.signal);
      tasks.add(
        save(opts, chunk)
          .then(({ id }) => void (ids[slot] = id))
          .finally(() => opts.budget.release(chunk.length)),
      );
    }
  };
  const feed = async (data: Buffer, offset: number): Promise<void> => {
    if (!opts.sparse) return emit(assembler.push(data));
    for (const [from, to, zero] of zeroRuns(data, offset)) {
      if (zero) holes.add(offset + from, to - from);
      else await emit(assembler.push(data.subarray(from, to)));
    }
  };
  let size = head.length;
  try {
    await feed(head, 0);
    while (!eof) {
      const n = await readFull(file, buf, opts.signal);
      opts.onRead?.(n);
      opts.stats.bytesRead += n;
      if (n > 0) await feed(buf.subarray(0, n), size);
      size += n;
      eof = n < buf.length;
    }
    const last = assembler.end();
    if (last) await emit([last]);
  } finally {
    await tasks.drain().catch(() => undefined); // the first error is rethrown below or by the read above
  }
  await tasks.drain();
  return holes.list.length > 0 ? { size, content: ids, holes: holes.list } : { size, content: ids };
}

async function save(opts: StoreFileOptions, chunk: Uint8Array): Promise<{ id: BlobId }> {
  const r = await opts.repo.saveBlob('data', chunk);
  if (r.isNew) {
    opts.stats.newBlobs++;
    opts.stats.newBytesRaw += chunk.length;
    opts.stats.newBytesStored += r.storedLength;
  }
  return r;
}

/** Fills `buf` unless the file ends first; returns the bytes read (short only at end of file). Read errors are EntryErrors. */
async function readFull(file: FileHandle, buf: Buffer, signal?: AbortSignal): Promise<number> {
  let got = 0;
  while (got < buf.length) {
    signal?.throwIfAborted();
    const { bytesRead } = await file.read(buf, got, buf.length - got, null).catch((err: unknown) => {
      throw new EntryError(err);
    });
    if (bytesRead === 0) break;
    got += bytesRead;
  }
  return got;
}

function isZero(buf: Buffer, from: number, to: number): boolean {
  for (let at = from; at < to; at += HOLE_BLOCK) {
    const end = Math.min(to, at + HOLE_BLOCK);
    if (!buf.subarray(at, end).equals(ZEROS.subarray(0, end - at))) return false;
  }
  return true;
}

/**
 * Splits `data` (at file offset `offset`, a multiple of HOLE_BLOCK) into alternating runs of data and of
 * all-zero blocks: [from, to, isZero] relative to `data`.
 */
export function* zeroRuns(data: Buffer, offset: number): Generator<[number, number, boolean]> {
  let runStart = 0;
  let runZero: boolean | undefined;
  for (let at = 0; at < data.length; ) {
    const end = Math.min(data.length, at + HOLE_BLOCK - ((offset + at) % HOLE_BLOCK));
    const zero = isZero(data, at, end);
    if (runZero !== undefined && zero !== runZero) {
      yield [runStart, at, runZero];
      runStart = at;
    }
    runZero = zero;
    at = end;
  }
  if (runZero !== undefined) yield [runStart, data.length, runZero];
}

/** Hole ranges in file order, adjacent ones merged. */
class HoleList {
  readonly list: Array<[number, number]> = [];

  add(offset: number, length: number): void {
    const last = this.list.at(-1);
    if (last && last[0] + last[1] === offset) last[1] += length;
    else this.list.push([offset, length]);
  }
}
