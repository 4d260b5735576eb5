/**
 * @module repo/pack-stream: whole packs, read once as a stream (check --read-data verifies every byte;
 * maintenance repacks the live blobs of sparse packs), and the listing of `data/` with ages.
 */
import type { ObjectStore } from '../storage/index.ts';
import { Semaphore, throwIfAborted } from '../util/index.ts';
import { packIdOfKey, type PackEntry } from './pack.ts';

export interface PackObject {
  id: string;
  size: number;
  /** When the store says it was written (undefined when the provider does not tell). */
  lastModified: Date | undefined;
}

/** Every pack in the store (one listing of `data/`). */
export async function listPackObjects(store: ObjectStore, prefix: string, signal?: AbortSignal): Promise<PackObject[]> {
  const out: PackObject[] = [];
  for await (const o of store.listObjects(`${prefix}data/`, signal ? { signal } : {})) {
    const id = packIdOfKey(prefix, o.key);
    if (id) out.push({ id, size: o.size, lastModified: o.lastModified });
  }
  return out;
}

export interface StreamPackOptions {
  signal?: AbortSignal | undefined;
  /** `onBlob` calls running at once (default 4); the stream waits for a free slot (backpressure). */
  concurrency?: number | undefined;
}

/** Chunks of a stream not yet consumed, and where the first one starts in the object. */
class ChunkQueue {
  readonly #parts: Buffer[] = [];
  #start = 0;
  #length = 0;

  push(chunk: Buffer): void {
    this.#parts.push(chunk);
    this.#length += chunk.length;
  }

  /** Offset in the object just past the bytes received. */
  get end(): number {
    return this.#start + this.#length;
  }

  /** Bytes `[offset, offset + length)` (all received); everything before `offset` is dropped. Copies only across chunks. */
  take(offset: number, length: number): Buffer {
    this.#drop(offset - this.#start);
    if (length === 0) return Buffer.alloc(0);
    const first = this.#parts[0]!;
    let out: Buffer;
    if (first.length >= length) out = first.subarray(0, length);
    else {
      out = Buffer.allocUnsafe(length);
      let at = 0;
      for (const p of this.#parts) {
        const n = Math.min(p.length, length - at);
        p.copy(out, at, 0, n);
        at += n;
        if (at === length) break;
      }
    }
    this.#drop(length);
    return out;
  }

  /** Lets go of the bytes before `offset` (or all received, when it lies beyond). */
  discardBefore(offset: number): void {
    this.#drop(Math.max(0, Math.min(offset, this.end) - this.#start));
  }

  #drop(n: number): void {
    this.#start += n;
    this.#length -= n;
    while (n > 0) {
      const p = this.#parts[0]!;
      if (p.length <= n) {
        this.#parts.shift();
        n -= p.length;
      } else {
        this.#parts[0] = p.subarray(n);
        n = 0;
      }
    }
  }
}

/**
 * Reads the object `key` once, start to end: its size, and `onBlob` for each of `entries` (sorted
 * by offset, not overlapping; gaps are skipped) with its sealed bytes, as soon as they have arrived. Entries
 * past the end of the object are reported by `missing`. The first error of `onBlob` stops the read.
 */
export async function streamPack(store: ObjectStore, key: string, entries: readonly PackEntry[], onBlob: (e: PackEntry, sealed: Buffer) => Promise<void>, opts: StreamPackOptions = {}): Promise<{ size: number; missing: PackEntry[] }> {
  const queue = new ChunkQueue();
  const slots = new Semaphore(opts.concurrency ?? 4);
  const running = new Set<Promise<void>>();
  let failure: { err: unknown } | undefined;
  let next = 0;
  const stream = await store.getObject(key, opts.signal ? { signal: opts.signal } : {});
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      throwIfAborted(opts.signal);
      if (failure) break;
      queue.push(chunk);
      while (next < entries.length && entries[next]!.offset + entries[next]!.length <= queue.end) {
        const e = entries[next++]!;
        const sealed = queue.take(e.offset, e.length);
        const release = await slots.acquire(opts.signal);
        const task = onBlob(e, sealed)
          .catch((err: unknown) => {
            failure ??= { err };
          })
          .finally(release);
        running.add(task);
        void task.finally(() => running.delete(task));
      }
      // Bytes before the next entry (or after the last one) are not kept.
      queue.discardBefore(next < entries.length ? entries[next]!.offset : Infinity);
    }
  } finally {
    stream.destroy();
    await Promise.allSettled([...running]);
  }
  if (failure) throw failure.err;
  return { size: queue.end, missing: entries.slice(next) };
}
