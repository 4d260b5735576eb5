/**
 * @module repo/chunker: content-defined chunking — FastCDC with normalized chunking (Xia et al.,
 * "FastCDC: a Fast and Efficient Content-Defined Chunking Approach for Data Deduplication", USENIX ATC '16).
 *
 * The gear table is derived from the repository's secret seed, so where chunks are cut says nothing about the
 * content to someone without the key (ADR 0015). The hash is 32-bit (int32 arithmetic only: no BigInt, no
 * floats in the hot loop); the masks take their bits from the top of the word, whose bits depend on the most
 * bytes (bit k of a gear hash depends on the last k + 1 bytes).
 */
import { hkdfSync } from 'node:crypto';
import type { RepoConfig } from './types.ts';

export type ChunkerParams = RepoConfig['chunker'];

/**
 * The defaults for new repositories (ADR 0015): 128 KiB / 512 KiB / 4 MiB at normalization level 1, chunks of
 * ~620 KiB on average. Measured on 1 GiB of random data with 10 random 1 MiB regions rewritten (F3), 14
 * random seeds each: new chunk bytes 18–23.5 MB, against 17–28 MB at level 2 and 19–33 MB at 256/512/4096;
 * averages of 1 MiB cost 22–45 MB whatever the level. An edit costs the chunks around it plus a
 * resynchronisation, and the stronger the normalization, the more whole chunks that takes.
 */
export const DEFAULT_CHUNK_SIZES = { minSize: 128 * 1024, avgSize: 512 * 1024, maxSize: 4 * 1024 * 1024, normalization: 1 } as const;
/** The level of configs that do not name one (written before it was a setting). */
const DEFAULT_NORMALIZATION = 2;

/** How much of a file one read fetches; a multiple of every hole block size. */
export const READ_SIZE = 4 * 1024 * 1024;

/** 256 pseudo-random 32-bit words from the secret seed (HKDF-SHA256, RFC 5869), one per byte value. */
export function gearTable(seedHex: string): Int32Array {
  if (!/^(?:[0-9a-f]{2}){16,}$/i.test(seedHex)) throw new RangeError('chunker seed must be at least 32 hex characters');
  const bytes = new Uint8Array(hkdfSync('sha256', Buffer.from(seedHex, 'hex'), 'skiff-repo', 'fastcdc gear table v1', 256 * 4));
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const table = new Int32Array(256);
  for (let i = 0; i < 256; i++) table[i] = view.getInt32(i * 4, true);
  return table;
}

/** A mask of the `bits` highest bits of a 32-bit word, as an int32 (the loop tests `(h & mask) === 0`). */
function topBits(bits: number): number {
  return bits >= 32 ? -1 : (-1 << (32 - bits)) | 0;
}

/** Checks sizes a config or a caller supplied: min ≤ avg ≤ max, avg a power of two (it sets the mask widths). */
export function checkChunkerParams(p: ChunkerParams): void {
  const { minSize, avgSize, maxSize } = p;
  for (const [name, v] of [['minSize', minSize], ['avgSize', avgSize], ['maxSize', maxSize]] as const) {
    if (!Number.isSafeInteger(v) || v < 64) throw new RangeError(`chunker.${name} must be an integer ≥ 64, got ${v}`);
  }
  if (!(minSize <= avgSize && avgSize <= maxSize)) throw new RangeError(`chunker sizes must satisfy minSize ≤ avgSize ≤ maxSize, got ${minSize} / ${avgSize} / ${maxSize}`);
  if ((avgSize & (avgSize - 1)) !== 0) throw new RangeError(`chunker.avgSize must be a power of two, got ${avgSize}`);
  if (maxSize > 256 * 1024 * 1024) throw new RangeError(`chunker.maxSize must be at most 256 MiB, got ${maxSize}`);
  const level = p.normalization ?? DEFAULT_NORMALIZATION;
  if (!Number.isInteger(level) || level < 0 || level > 3 || Math.log2(avgSize) - level < 1) throw new RangeError(`chunker.normalization must be an integer from 0 to 3 (and below log2(avgSize)), got ${String(p.normalization)}`);
}

/**
 * Finds chunk boundaries in a stream fed piece by piece. `next()` continues the current chunk over
 * `data[start, end)` and returns the index just past the cut, or -1 when the chunk goes on beyond `end`.
 * The state between calls is the chunk's length so far and the hash, so no byte is hashed twice.
 */
export class FastCdc {
  readonly minSize: number;
  readonly avgSize: number;
  readonly maxSize: number;
  readonly #gear: Int32Array;
  /** Normalized chunking at level n: n more mask bits before the average size (cuts rarer), n fewer after. */
  readonly #maskS: number;
  readonly #maskL: number;
  #len = 0;
  #hash = 0;

  constructor(params: ChunkerParams) {
    checkChunkerParams(params);
    this.minSize = params.minSize;
    this.avgSize = params.avgSize;
    this.maxSize = params.maxSize;
    this.#gear = gearTable(params.seed);
    const bits = Math.log2(params.avgSize);
    const level = params.normalization ?? DEFAULT_NORMALIZATION;
    this.#maskS = topBits(bits + level);
    this.#maskL = topBits(bits - level);
  }

  /** Forgets the current chunk (start of a new stream). */
  reset(): void {
    this.#len = 0;
    this.#hash = 0;
  }

  /** Bytes of the current, unfinished chunk seen so far. */
  get pending(): number {
    return this.#len;
  }

  next(data: Uint8Array, start: number, end: number): number {
    let len = this.#len;
    let i = start;
    // FastCDC never cuts before minSize, so those bytes are not even hashed.
    if (len < this.minSize) {
      const skip = Math.min(this.minSize - len, end - i);
      i += skip;
      len += skip;
      if (len < this.minSize) {
        this.#len = len;
        return -1;
      }
    }
    const gear = this.#gear;
    let h = this.#hash;
    if (len < this.avgSize) {
      const stop = Math.min(end, i + (this.avgSize - len));
      const mask = this.#maskS;
      const from = i;
      for (; i < stop; i++) {
        h = ((h << 1) + gear[data[i]!]!) | 0;
        if ((h & mask) === 0) return this.#cut(i + 1);
      }
      len += i - from;
    }
    if (len >= this.avgSize) {
      const stop = Math.min(end, i + (this.maxSize - len));
      const mask = this.#maskL;
      const from = i;
      for (; i < stop; i++) {
        h = ((h << 1) + gear[data[i]!]!) | 0;
        if ((h & mask) === 0) return this.#cut(i + 1);
      }
      len += i - from;
      if (len >= this.maxSize) return this.#cut(i);
    }
    this.#len = len;
    this.#hash = h;
    return -1;
  }

  #cut(at: number): number {
    this.#len = 0;
    this.#hash = 0;
    return at;
  }
}

/** Splits bytes already in memory; the chunks are views of `data`. For tests and small inputs. */
export function chunkBytes(data: Uint8Array, params: ChunkerParams): Uint8Array[] {
  const cdc = new FastCdc(params);
  const out: Uint8Array[] = [];
  let start = 0;
  while (start < data.length) {
    const cut = cdc.next(data, start, data.length);
    const end = cut < 0 ? data.length : cut;
    out.push(data.subarray(start, end));
    start = end;
  }
  return out;
}

/**
 * Cuts a stream fed in pieces into chunks. A chunk that lies inside one piece is returned as a view of it; one
 * that spans pieces is collected in a carry buffer (reused, grown up to the maximum chunk size) and returned as
 * a view of that. So nothing is allocated per chunk, and every chunk returned is valid only until the next
 * `push` or `end` (and, when a view of the piece, while the piece's buffer is not reused): consume it (the
 * repository's saveBlob copies before it returns) before feeding more. Two carry buffers take turns, so the
 * end of a piece can be kept while a chunk of the other one is still out.
 */
export class ChunkAssembler {
  readonly #cdc: FastCdc;
  #carry: Buffer | undefined;
  #other: Buffer | undefined;
  #carryLen = 0;

  constructor(cdc: FastCdc) {
    this.#cdc = cdc;
  }

  /** Feeds `data`; returns the chunks it completes (views, see above). */
  push(data: Uint8Array): Uint8Array[] {
    const out: Uint8Array[] = [];
    let start = 0;
    while (start < data.length) {
      const cut = this.#cdc.next(data, start, data.length);
      if (cut < 0) {
        this.#keep(data.subarray(start));
        break;
      }
      out.push(this.#take(data.subarray(start, cut)));
      start = cut;
    }
    return out;
  }

  /** The last, short chunk of the stream (undefined when the stream ended on a cut). */
  end(): Uint8Array | undefined {
    const last = this.#carryLen > 0 ? this.#take(new Uint8Array(0)) : undefined;
    this.#cdc.reset();
    return last;
  }

  /** Appends to the carry buffer, grown by doubling up to the maximum chunk size (most files end early). */
  #keep(part: Uint8Array): void {
    const need = this.#carryLen + part.length;
    if (!this.#carry || this.#carry.length < need) {
      const grown = Buffer.allocUnsafeSlow(Math.min(this.#cdc.maxSize, Math.max(need, 2 * (this.#carry?.length ?? 0), 64 * 1024)));
      if (this.#carryLen > 0) this.#carry!.copy(grown, 0, 0, this.#carryLen);
      this.#carry = grown;
    }
    this.#carry.set(part, this.#carryLen);
    this.#carryLen = need;
  }

  /** The chunk ending with `tail`: `tail` itself when nothing is carried, else the carry with `tail` appended. */
  #take(tail: Uint8Array): Uint8Array {
    if (this.#carryLen === 0) return tail;
    this.#keep(tail);
    const chunk = this.#carry!.subarray(0, this.#carryLen);
    this.#carryLen = 0;
    [this.#carry, this.#other] = [this.#other, this.#carry]; // the chunk stays intact while the next carry fills
    return chunk;
  }
}
