/**
 * @module repo/pack: packs of sealed blobs (ADR 0015).
 *
 * A pack = sealed blobs, back to back from offset 0 ‖ sealed header ‖ header length (4 bytes, LE); its id is
 * the SHA-256 of the sealed header (checked when the header is read). The header's
 * plaintext is a version byte (1) then one 41-byte entry per blob, in pack order: type (1: 0 data, 1 tree),
 * sealed length (u32 LE), plaintext length (u32 LE), id (32 bytes). Offsets follow from the lengths, so a
 * header of 100,000 small blobs is 4 MB, and the index can be rebuilt from the headers alone.
 */
import type { ObjectStore } from '../storage/index.ts';
import { openObject, sealObject } from './blob.ts';
import type { CryptoPool, Lane, SealedRef } from './crypto-pool.ts';
import { SEAL_OVERHEAD, isHexId, sha256Hex, type MasterKey } from './crypto.ts';
import { RepoIntegrityError } from './errors.ts';
import type { BlobId, BlobType } from './types.ts';

export const PACK_HEADER_VERSION = 1;
export const HEADER_ENTRY_BYTES = 41;
const TYPES: readonly BlobType[] = ['data', 'tree'];
/** The first read of a pack's tail: the whole header of a pack of large blobs, in one request. */
const TAIL_READ = 64 * 1024;

/** A blob's place in its pack (a BlobLocation without the pack). */
export interface PackEntry {
  id: BlobId;
  type: BlobType;
  offset: number;
  length: number;
  rawLength: number;
}

/** `<prefix>data/<2 hex>/<pack id>`. */
export function packKey(prefix: string, packId: string): string {
  return `${prefix}data/${packId.slice(0, 2)}/${packId}`;
}

/** The pack id of a `data/` key, or undefined for anything else. */
export function packIdOfKey(prefix: string, key: string): string | undefined {
  const rest = key.slice(prefix.length);
  const m = /^data\/([0-9a-f]{2})\/([0-9a-f]{64})$/.exec(rest);
  return m && m[2]!.startsWith(m[1]!) ? m[2] : undefined;
}

/**
 * The entries of one pack being filled from one lane (see crypto-pool.ts). The sealed bytes stay in their lane
 * (a worker's lane buffer, or `#data` here for the inline lane: small blobs copied into one growing buffer,
 * not kept as one Buffer object each) until `finish` adds the header.
 */
export class PackBuilder {
  readonly lane: Lane;
  #data: Buffer | undefined;
  readonly #entries: PackEntry[] = [];
  #size = 0;
  /** Blobs of the lane handed to earlier packs: the first position this pack expects. */
  readonly #base: number;
  /** Bytes to reserve at the first blob of a main-thread lane. */
  readonly #capacity: number;

  /**
   * `capacity`: a main-thread lane's pack buffer is reserved at once at this size (a pack's size and the most
   * it may run over). Only the pages written become resident, so reserving costs nothing, while growing by
   * doubling copied the blobs at each step and left the old buffers to the GC: up to twice the pack in memory.
   */
  constructor(lane: Lane, base = 0, capacity = 64 * 1024) {
    this.lane = lane;
    this.#base = base;
    this.#capacity = capacity;
  }

  add(id: BlobId, type: BlobType, sealed: SealedRef, rawLength: number): PackEntry {
    if (sealed.lane !== this.lane) throw new Error('a sealed blob was added to the pack of another lane');
    if (!this.lane.inline && sealed.position !== this.#base + this.#entries.length) {
      throw new Error(`lane ${this.lane.id}: blob number ${String(sealed.position)} arrived where ${this.#base + this.#entries.length} was expected`);
    }
    const entry: PackEntry = { id, type, offset: this.#size, length: sealed.length, rawLength };
    if (sealed.bytes) this.#append(sealed.bytes);
    this.#entries.push(entry);
    this.#size += sealed.length;
    return entry;
  }

  #append(bytes: Uint8Array): void {
    const need = this.#size + bytes.length;
    if (!this.#data || this.#data.length < need) {
      const grown = Buffer.allocUnsafeSlow(Math.max(need, 2 * (this.#data?.length ?? 0), this.#capacity));
      this.#data?.copy(grown, 0, 0, this.#size);
      this.#data = grown;
    }
    this.#data.set(bytes, this.#size);
  }

  /** Bytes of blobs so far. */
  get size(): number {
    return this.#size;
  }

  get count(): number {
    return this.#entries.length;
  }

  /** The position the next pack of this lane starts at. */
  get next(): number {
    return this.#base + this.#entries.length;
  }

  get entries(): readonly PackEntry[] {
    return this.#entries;
  }

  /**
   * The pack's bytes and id. The id is the SHA-256 of the sealed header, which lists every blob's id and sealed
   * length (each blob authenticated by its own tag): it names the content as surely as a hash of all the bytes
   * at a fraction of the CPU (ADR 0015). A worker lane's bytes are asked for synchronously, so packs of one
   * lane are asked for in order. The builder is spent afterwards.
   */
  async finish(key: MasterKey, pool: CryptoPool): Promise<{ id: string; bytes: Buffer; entries: PackEntry[]; lane: Lane }> {
    const header = sealObject(key, encodeHeader(this.#entries), 'none');
    const length = Buffer.allocUnsafe(4);
    length.writeUInt32LE(header.length);
    const tail = Buffer.concat([header, length]);
    let bytes: Buffer;
    if (this.lane.inline) {
      const size = this.#size;
      this.#append(tail); // after the blobs, not counted in `size`
      bytes = this.#data!.subarray(0, size + tail.length);
      this.#data = undefined;
    } else bytes = await pool.packOf(this.lane, this.#base, this.#entries.length, tail);
    return { id: sha256Hex(header), bytes, entries: this.#entries, lane: this.lane };
  }
}

export function encodeHeader(entries: readonly PackEntry[]): Buffer {
  const out = Buffer.allocUnsafe(1 + entries.length * HEADER_ENTRY_BYTES);
  out[0] = PACK_HEADER_VERSION;
  let at = 1;
  for (const e of entries) {
    out[at] = TYPES.indexOf(e.type);
    out.writeUInt32LE(e.length, at + 1);
    out.writeUInt32LE(e.rawLength, at + 5);
    out.write(e.id, at + 9, 32, 'hex');
    at += HEADER_ENTRY_BYTES;
  }
  return out;
}

/** Entries of a header plaintext, checked to tile the blob area `[0, blobBytes)` exactly. */
export function decodeHeader(plain: Buffer, blobBytes: number, pack: string, key?: string): PackEntry[] {
  const bad = (problem: string): never => {
    throw new RepoIntegrityError({ kind: 'pack header', pack, key }, problem);
  };
  if (plain[0] !== PACK_HEADER_VERSION) bad(`unknown header version ${String(plain[0])}`);
  if ((plain.length - 1) % HEADER_ENTRY_BYTES !== 0) bad(`its length ${plain.length} is not a whole number of entries`);
  const entries: PackEntry[] = [];
  let offset = 0;
  for (let at = 1; at < plain.length; at += HEADER_ENTRY_BYTES) {
    const type = TYPES[plain[at]!] ?? bad(`entry ${entries.length} has unknown type ${String(plain[at])}`);
    const length = plain.readUInt32LE(at + 1);
    const rawLength = plain.readUInt32LE(at + 5);
    if (length < SEAL_OVERHEAD + 1) bad(`entry ${entries.length} is ${length} bytes, shorter than a sealed blob can be`);
    entries.push({ id: plain.toString('hex', at + 9, at + 41), type, offset, length, rawLength });
    offset += length;
  }
  if (offset !== blobBytes) bad(`its entries cover ${offset} bytes, the pack holds ${blobBytes} bytes of blobs`);
  return entries;
}

/**
 * Reads and opens a pack's header from its tail with ranged reads (one, unless the header is over 64 KiB).
 * `size` is the pack's size, from a listing.
 */
export async function readPackHeader(store: ObjectStore, key: MasterKey, prefix: string, packId: string, size: number, signal?: AbortSignal): Promise<PackEntry[]> {
  const objectKey = packKey(prefix, packId);
  const target = { kind: 'pack header' as const, pack: packId, key: objectKey };
  if (!isHexId(packId)) throw new RepoIntegrityError(target, 'the pack name is not a 64-hex id');
  if (size < 4 + SEAL_OVERHEAD + 1) throw new RepoIntegrityError(target, `the pack is ${size} bytes, too short to hold a header`);
  const tailStart = Math.max(0, size - TAIL_READ);
  let tail = await store.getObjectRange(objectKey, tailStart, size - tailStart, signal ? { signal } : {});
  if (tail.length !== size - tailStart) throw new RepoIntegrityError(target, `the pack is shorter than listed (${tailStart + tail.length} of ${size} bytes)`);
  const headerLength = tail.readUInt32LE(tail.length - 4);
  if (headerLength < SEAL_OVERHEAD + 1 || headerLength > size - 4) throw new RepoIntegrityError(target, `the header length ${headerLength} does not fit a pack of ${size} bytes`);
  const headerStart = size - 4 - headerLength;
  if (headerStart < tailStart) {
    const head = await store.getObjectRange(objectKey, headerStart, tailStart - headerStart, signal ? { signal } : {});
    tail = Buffer.concat([head, tail]);
  }
  const sealed = tail.subarray(tail.length - 4 - headerLength, tail.length - 4);
  if (sha256Hex(sealed) !== packId) throw new RepoIntegrityError(target, 'the header does not match the pack name (SHA-256)');
  const plain = openObject(key, sealed, target);
  return decodeHeader(plain, headerStart, packId, objectKey);
}
