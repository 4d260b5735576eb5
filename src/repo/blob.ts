/**
 * @module repo/blob: the sealed form of every encrypted object (ADR 0015): blobs, pack headers, index files,
 * snapshots, the config. Plaintext framing = 1 flag byte (0 raw, 1 zstd) ‖ payload; sealed = seal(framing).
 * Synchronous: the crypto pool runs these on worker threads for large inputs and inline for small ones.
 * Also what the JSON documents (config, key, index and snapshot files) share: names, parsing, checks.
 */
import { constants, zstdCompressSync, zstdDecompressSync } from 'node:zlib';
import type { ObjectStore } from '../storage/index.ts';
import { SEAL_OVERHEAD, isHexId, sameId, sha256Hex, type MasterKey } from './crypto.ts';
import { RepoIntegrityError, type IntegrityTarget } from './errors.ts';

export const FLAG_RAW = 0;
export const FLAG_ZSTD = 1;
export type Compression = 'zstd' | 'none';

/** Level 3, zstd's default: 500-800 MiB/s per core here (bench/repo-micro.ts), ratio close to level 6. */
const ZSTD_LEVEL = 3;
/** Too small to gain 1/16 after zstd's own frame header. */
const MIN_COMPRESS = 128;
/** Larger inputs are tried on a sample first, so incompressible data (media, archives, encrypted files) costs ~nothing. */
const SAMPLE_FROM = 64 * 1024;
const SAMPLE_PART = 8 * 1024;
/**
 * Smaller inputs are first judged by the order-0 entropy of their first 4 KiB: a zstd call has ~25 µs of fixed
 * cost (measured; more than HMAC + seal of a small file), which random small files should not pay.
 */
const ENTROPY_BYTES = 4096;
/** Documents without a known size (config, index, snapshot) decompress to at most this. */
const MAX_DOCUMENT_BYTES = 512 * 1024 * 1024;

/** A check failed; whoever knows what was read turns it into a RepoIntegrityError (workers cannot send classes). */
export class BlobProblem extends Error {
  override readonly name = 'BlobProblem';
  /** Of a run of blobs opened at once: the index of the one the problem is about. */
  blob?: number;
}

/** [flag, payload]: zstd when it saves at least 1/16 of the size. */
export function frame(plain: Uint8Array, compression: Compression): [Uint8Array, Uint8Array] {
  if (compression === 'zstd' && plain.length >= MIN_COMPRESS && worthTrying(plain)) {
    const packed = zstdCompressSync(plain, { params: { [constants.ZSTD_c_compressionLevel]: ZSTD_LEVEL } });
    if (packed.length <= plain.length - plain.length / 16) return [FLAGS[FLAG_ZSTD]!, packed];
  }
  return [FLAGS[FLAG_RAW]!, plain];
}

const FLAGS = [Uint8Array.of(FLAG_RAW), Uint8Array.of(FLAG_ZSTD)];

function worthTrying(plain: Uint8Array): boolean {
  return plain.length < SAMPLE_FROM ? lowEntropy(plain.subarray(0, ENTROPY_BYTES)) : samplesShrink(plain);
}

/** Three 8 KiB samples (start, middle, end) at level 1: when they do not shrink by 1/32, the whole will not shrink by 1/16. */
function samplesShrink(plain: Uint8Array): boolean {
  const mid = Math.floor(plain.length / 2);
  const sample = Buffer.concat([plain.subarray(0, SAMPLE_PART), plain.subarray(mid, mid + SAMPLE_PART), plain.subarray(plain.length - SAMPLE_PART)]);
  const packed = zstdCompressSync(sample, { params: { [constants.ZSTD_c_compressionLevel]: 1 } });
  return packed.length <= sample.length - sample.length / 32;
}

/** c·log2(c) for every count a histogram of ENTROPY_BYTES can hold. */
const C_LOG_C = Float64Array.from({ length: ENTROPY_BYTES + 1 }, (_, c) => (c === 0 ? 0 : c * Math.log2(c)));
const counts = new Uint32Array(256);

/**
 * True when the bytes' order-0 entropy (Miller–Madow corrected) is below 7 bits per byte, or half a bit below
 * the most `n` bytes can show when n < 256. Measured on ~40,000 small files (text, code, libraries, media)
 * plus random data: zstd is then skipped on 99.7 % of the blobs it cannot shrink by 1/16, and 0.3 % of the
 * possible savings are missed; random data of 150+ bytes never passes.
 */
export function lowEntropy(bytes: Uint8Array): boolean {
  const n = bytes.length;
  counts.fill(0);
  for (let i = 0; i < n; i++) counts[bytes[i]!]!++;
  let sum = 0;
  let distinct = 0;
  for (let b = 0; b < 256; b++) {
    const c = counts[b]!;
    if (c === 0) continue;
    distinct++;
    sum += C_LOG_C[c]!;
  }
  const bits = Math.log2(n) - sum / n + (distinct - 1) / (2 * n * Math.LN2);
  return bits < Math.min(7, Math.log2(n) - 0.5);
}

/** The payload of a framing; `rawLength` (when known) bounds and checks the decompressed size. */
export function unframe(framed: Buffer, rawLength?: number): Buffer {
  const flag = framed[0];
  const payload = framed.subarray(1);
  let plain: Buffer;
  if (flag === FLAG_RAW) plain = payload;
  else if (flag === FLAG_ZSTD) {
    try {
      plain = zstdDecompressSync(payload, { maxOutputLength: Math.max(1, rawLength ?? MAX_DOCUMENT_BYTES) });
    } catch (err) {
      throw new BlobProblem(`its compressed payload does not decompress${rawLength !== undefined ? ` to ${rawLength} bytes` : ''} (${(err as Error).message})`);
    }
  } else throw new BlobProblem(`unknown compression flag ${String(flag)}`);
  if (rawLength !== undefined && plain.length !== rawLength) throw new BlobProblem(`its plaintext is ${plain.length} bytes, the index says ${rawLength}`);
  return plain;
}

/** frame + seal. */
export function sealObject(key: MasterKey, plain: Uint8Array, compression: Compression): Buffer {
  return key.seal(...frame(plain, compression));
}

/** frame + seal, written into `out` from `at` (room for plain.length + SEAL_OVERHEAD + 1 needed); returns the end. */
export function sealObjectInto(key: MasterKey, plain: Uint8Array, compression: Compression, out: Uint8Array, at: number): number {
  return key.sealInto(out, at, ...frame(plain, compression));
}

/** open + unframe; throws BlobProblem. */
export function openObjectRaw(key: MasterKey, sealed: Uint8Array, rawLength?: number): Buffer {
  const framed = key.open(sealed);
  if (!framed) throw new BlobProblem('authentication failed (the stored bytes were changed, truncated or belong to another repository)');
  if (framed.length < 1) throw new BlobProblem('it is empty');
  return unframe(framed, rawLength);
}

/** open + unframe; any failure is a RepoIntegrityError naming `target`. */
export function openObject(key: MasterKey, sealed: Uint8Array, target: IntegrityTarget, rawLength?: number): Buffer {
  try {
    return openObjectRaw(key, sealed, rawLength);
  } catch (err) {
    if (err instanceof BlobProblem) throw new RepoIntegrityError(target, err.message);
    throw err;
  }
}

/**
 * `openBlobRaw` into `out` at `at` (room for `rawLength` bytes needed): the plaintext of a raw blob is
 * decrypted in place, a compressed one through `scratch` (which may be replaced by a larger one: the new one is
 * returned). Returns the end and the scratch buffer; throws BlobProblem (then `out` holds garbage).
 */
export function openBlobInto(key: MasterKey, sealed: Uint8Array, id: string, rawLength: number, out: Uint8Array, at: number, scratch: Buffer): { end: number; scratch: Buffer } {
  const payload = sealed.length - SEAL_OVERHEAD - 1;
  if (payload < 0) throw new BlobProblem('authentication failed (the stored bytes were changed, truncated or belong to another repository)');
  let flag = -1;
  const raw = payload === rawLength;
  // A raw blob's payload is its plaintext, straight into place; anything else (zstd, or a length that does not fit) via scratch.
  if (!raw && scratch.length < payload) scratch = Buffer.allocUnsafeSlow(payload);
  const end = key.openInto(sealed, raw ? out : scratch, raw ? at : 0, (b) => (flag = b));
  if (end === undefined) throw new BlobProblem('authentication failed (the stored bytes were changed, truncated or belong to another repository)');
  let plain: Uint8Array;
  if (flag === FLAG_RAW && raw) plain = out.subarray(at, end);
  else if (flag === FLAG_RAW) throw new BlobProblem(`its plaintext is ${payload} bytes, the index says ${rawLength}`);
  else {
    const framed = Buffer.concat([Uint8Array.of(flag), raw ? out.subarray(at, end) : scratch.subarray(0, payload)]);
    plain = unframe(framed, rawLength);
    out.set(plain, at);
    plain = out.subarray(at, at + rawLength);
  }
  const actual = key.idOf(plain);
  if (!sameId(actual, id)) throw new BlobProblem(`its content has id ${actual}`);
  return { end: at + rawLength, scratch };
}

/** Opens a blob and checks that its plaintext has the id it is stored under (catches blobs swapped between places). */
export function openBlobRaw(key: MasterKey, sealed: Uint8Array, id: string, rawLength?: number): Buffer {
  const plain = openObjectRaw(key, sealed, rawLength);
  const actual = key.idOf(plain);
  if (!sameId(actual, id)) throw new BlobProblem(`its content has id ${actual}`);
  return plain;
}

/** The ids in a folder of objects named by the SHA-256 of their bytes (`keys/`, `index/`, `snapshots/`), in listing order. */
export async function listIds(store: ObjectStore, folder: string, signal?: AbortSignal): Promise<string[]> {
  const ids: string[] = [];
  for await (const o of store.listObjects(folder, signal ? { signal } : {})) {
    const id = o.key.slice(folder.length);
    if (isHexId(id)) ids.push(id);
  }
  return ids;
}

/** Throws unless `bytes` hash to `id`, the name of the object they were read from. */
export function checkNamed(bytes: Uint8Array, id: string, target: IntegrityTarget): void {
  if (sha256Hex(bytes) !== id) throw new RepoIntegrityError(target, 'its bytes do not match its name (SHA-256)');
}

/**
 * A JSON document that `problem` finds sound (it returns what is wrong, or undefined); malformed JSON or a
 * problem is a RepoIntegrityError naming `target`. `problem` may throw its own error (an unsupported version).
 */
export function parseDocument<T>(text: Buffer, target: IntegrityTarget, problem: (doc: T) => string | undefined): T {
  let doc: T;
  try {
    doc = JSON.parse(text.toString('utf8')) as T;
  } catch (err) {
    throw new RepoIntegrityError(target, 'it is not JSON', { cause: err });
  }
  const found = problem(doc);
  if (found) throw new RepoIntegrityError(target, found);
  return doc;
}
