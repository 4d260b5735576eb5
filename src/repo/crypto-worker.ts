/**
 * @module repo/crypto-worker: the worker-thread side of the crypto pool. Holds the master key (from workerData)
 * and does the CPU work synchronously: ids, compression, sealing, opening; and a backup's directory listings
 * (dir-scan.ts), so that its main thread does not make an lstat per entry. Large blobs it seals are written
 * into its *lane*, one buffer where they lie back to back as in a pack, until the main thread asks for a pack
 * of the first `count` of them (with the header it wrote): the lane buffer itself becomes the pack (the tail
 * written after the blobs) and goes to the main thread without a copy; after the upload it comes back for
 * reuse. Fresh large buffers cost a page fault per 4 KiB on first touch (measured: a fresh 16 MiB concat took
 * ~40 ms here, a fifth of a worker's time), so the hot path only writes into buffers it reuses.
 * Small blobs come in batches (one buffer, many blobs) and go back sealed in one buffer with their ids.
 * Plaintext buffers go back to the main thread for reuse. Protocol: see crypto-pool.ts.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { parentPort, workerData } from 'node:worker_threads';
import { BlobProblem, openBlobInto, openBlobRaw, openObjectRaw, sealObject, sealObjectInto, type Compression } from './blob.ts';
import { MasterKey, SEAL_OVERHEAD } from './crypto.ts';
import { scanDirectory, type ScannedDir } from './dir-scan.ts';

export type WorkerRequest =
  | { op: 'hash'; seq: number; plain: Uint8Array }
  /** Seal a held (hashed) or given plaintext; `keep`: append it to the lane, else send it back. */
  | { op: 'seal'; seq: number; plain?: Uint8Array | undefined; compression: Compression; keep: boolean }
  | { op: 'drop'; seq: number }
  | { op: 'open'; seq: number; sealed: Uint8Array; id?: string | undefined; rawLength?: number | undefined }
  /** The first `count` blobs of the lane (lane numbers `first`…) followed by `tail`, as one buffer. */
  | { op: 'pack'; seq: number; first: number; count: number; tail: Uint8Array }
  /** Many small plaintexts back to back in `plain` (`lengths` each): ids and sealed bytes, in one reply. */
  | { op: 'batch'; seq: number; plain: Uint8Array; lengths: Uint32Array; compression: Compression }
  /**
   * Blobs lying in `sealed` (a run read from a pack): opened, checked, and their plaintexts returned back to
   * back in one buffer (which the main thread hands back with `recycle` once it is done with them).
   */
  | { op: 'openRun'; seq: number; sealed: Uint8Array; blobs: RunBlob[] }
  /** A buffer the main thread is done with: a pack's (for the next lane) or a run's plaintexts. */
  | { op: 'recycle'; seq: 0; buffer: ArrayBuffer; kind: 'pack' | 'run' }
  /** A directory listed and its entries lstat'ed (see dir-scan.ts). */
  | { op: 'scan'; seq: number; path: string };

/** A blob of a run: where it lies in the run, and what it must open to. */
export interface RunBlob {
  offset: number;
  length: number;
  id: string;
  rawLength: number;
}

export interface WorkerReply {
  seq: number;
  id?: string;
  /** Sealed length of a kept blob, and its number in the lane (0, 1, … since the worker started). */
  length?: number;
  position?: number;
  bytes?: Uint8Array;
  /** batch: 32 bytes of id per blob, and each blob's sealed length (its bytes back to back in `bytes`). */
  ids?: Uint8Array;
  lengths?: Uint32Array;
  /** A plaintext buffer the main thread may reuse. */
  recycled?: ArrayBuffer;
  problem?: string;
  /** openRun: the blob `problem` is about. */
  problemBlob?: number;
  error?: string;
  scanned?: ScannedDir;
}

const data = workerData as { key: Uint8Array; packSize: number };
const key = new MasterKey(data.key);
/** Plaintexts hashed and waiting for the main thread's verdict (seal, or drop as a duplicate). */
const held = new Map<number, Uint8Array>();
const port = parentPort!;

/**
 * Sealed blobs kept for the next packs, back to back in `buf` (a pack's blobs start at 0); `ends[i]` is where
 * lane blob `packed + i` ends. Its capacity is a pack and a quarter: a pack is closed once it reaches the
 * pack size, and a few blobs past it may be sealed by then (a larger need grows it).
 */
const lane = { buf: Buffer.alloc(0) as Buffer, used: 0, ends: [] as number[], packed: 0, queued: 0 };
const LANE_SLACK = Math.max(1024 * 1024, Math.floor(data.packSize / 4));
/** At most one returned pack buffer waits for reuse. */
let spare: ArrayBuffer | undefined;

function laneBuffer(min: number): Buffer {
  const want = Math.max(min, data.packSize + LANE_SLACK);
  if (spare && spare.byteLength >= min) {
    const b = Buffer.from(spare);
    spare = undefined;
    return b;
  }
  return Buffer.allocUnsafeSlow(want);
}

/** Room for `n` more bytes in the lane (a bigger buffer, the blobs copied over, when needed). */
function laneRoom(n: number): void {
  if (lane.used + n <= lane.buf.length) return;
  const next = laneBuffer(Math.max(lane.used + n, Math.floor(lane.buf.length * 1.5)));
  lane.buf.copy(next, 0, 0, lane.used);
  lane.buf = next;
}

function keep(plain: Uint8Array, compression: Compression): { length: number; position: number } {
  laneRoom(plain.length + SEAL_OVERHEAD + 1);
  const end = sealObjectInto(key, plain, compression, lane.buf, lane.used);
  const length = end - lane.used;
  lane.used = end;
  lane.ends.push(end);
  return { length, position: lane.queued++ };
}

/** The lane's first `count` blobs and `tail`, as the lane buffer itself; the blobs after them move to a new buffer. */
function pack(first: number, count: number, tail: Uint8Array): Buffer {
  if (first !== lane.packed || count > lane.ends.length) throw new Error(`a pack of blobs ${first}…${first + count - 1} was asked for; ${lane.packed}…${lane.packed + lane.ends.length - 1} are queued`);
  const end = count === 0 ? 0 : lane.ends[count - 1]!;
  const rest = lane.used - end;
  const out = lane.buf;
  const next = laneBuffer(rest);
  out.copy(next, 0, end, lane.used);
  lane.buf = next;
  lane.used = rest;
  lane.ends = lane.ends.slice(count).map((e) => e - end);
  lane.packed += count;
  if (end + tail.length <= out.length) {
    out.set(tail, end);
    return out.subarray(0, end + tail.length);
  }
  return Buffer.concat([out.subarray(0, end), tail]);
}

function batch(plain: Uint8Array, lengths: Uint32Array, compression: Compression): WorkerReply & { bytes: Buffer } {
  const n = lengths.length;
  const ids = Buffer.allocUnsafeSlow(32 * n);
  // Its own exact-size buffer (not a reused, MiB-rounded run buffer): the main thread keeps it until every
  // blob in it is copied into a pack and then leaves it to the GC, so every spare byte here is held memory.
  const out = Buffer.allocUnsafeSlow(plain.length + n * (SEAL_OVERHEAD + 1));
  const sealed = new Uint32Array(n);
  let from = 0;
  let at = 0;
  for (let i = 0; i < n; i++) {
    const blob = plain.subarray(from, from + lengths[i]!);
    from += lengths[i]!;
    key.idBytesOf(blob).copy(ids, 32 * i);
    const end = sealObjectInto(key, blob, compression, out, at);
    sealed[i] = end - at;
    at = end;
  }
  return { seq: 0, ids, lengths: sealed, bytes: out.subarray(0, at) };
}

/** Buffers for runs' plaintexts, handed back by the main thread; `scratch` for compressed blobs. */
const runBuffers: ArrayBuffer[] = [];
const RUN_BUFFERS = 4;
let scratch = Buffer.alloc(0) as Buffer;

/** A reused buffer of at least `n` bytes and not much more, or a new one (rounded up to 1 MiB). */
function runBuffer(n: number): Buffer {
  const i = runBuffers.findIndex((b) => b.byteLength >= n && b.byteLength <= 2 * n + (1 << 20));
  if (i >= 0) return Buffer.from(runBuffers.splice(i, 1)[0]!);
  return Buffer.allocUnsafeSlow(Math.max(1, Math.ceil(n / (1 << 20))) * (1 << 20));
}

function openRun(seq: number, sealed: Uint8Array, blobs: RunBlob[]): WorkerReply {
  const out = runBuffer(blobs.reduce((n, b) => n + b.rawLength, 0));
  const lengths = new Uint32Array(blobs.length);
  let at = 0;
  for (const [i, b] of blobs.entries()) {
    try {
      ({ scratch } = openBlobInto(key, sealed.subarray(b.offset, b.offset + b.length), b.id, b.rawLength, out, at, scratch));
    } catch (err) {
      runBuffers.push(out.buffer as ArrayBuffer);
      if (err instanceof BlobProblem) return { seq, problem: err.message, problemBlob: i };
      throw err;
    }
    lengths[i] = b.rawLength;
    at += b.rawLength;
  }
  return { seq, bytes: out.subarray(0, at), lengths };
}

/** Small Buffers live in Node's shared pool, which cannot be transferred: copy those (Buffer#slice would not). */
function own(bytes: Uint8Array): Uint8Array {
  return bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength ? bytes : Uint8Array.prototype.slice.call(bytes);
}

/** `whole`: `bytes` is a view at the start of a buffer of this worker's own (a lane, a batch), transferred as is. */
function send(reply: WorkerReply, whole = false): void {
  const transfer: ArrayBuffer[] = [];
  if (reply.bytes) {
    if (!whole) reply.bytes = own(reply.bytes);
    transfer.push(reply.bytes.buffer as ArrayBuffer);
  }
  if (reply.ids) transfer.push(reply.ids.buffer as ArrayBuffer);
  if (reply.recycled) transfer.push(reply.recycled);
  if (reply.scanned) transfer.push(reply.scanned.stats.buffer as ArrayBuffer);
  port.postMessage(reply, transfer);
}

function handle(m: WorkerRequest): void {
  switch (m.op) {
    case 'hash':
      held.set(m.seq, m.plain);
      send({ seq: m.seq, id: key.idOf(m.plain) });
      return;
    case 'seal': {
      const plain = m.plain ?? held.get(m.seq);
      held.delete(m.seq);
      if (!plain) throw new Error(`no plaintext for job ${m.seq}`);
      const recycled = plain.buffer as ArrayBuffer;
      if (m.keep) send({ seq: m.seq, ...keep(plain, m.compression), recycled });
      else send({ seq: m.seq, bytes: sealObject(key, plain, m.compression), recycled });
      return;
    }
    case 'drop': {
      const plain = held.get(m.seq);
      held.delete(m.seq);
      if (plain) send({ seq: m.seq, recycled: plain.buffer as ArrayBuffer });
      return;
    }
    case 'open':
      send({ seq: m.seq, bytes: m.id ? openBlobRaw(key, m.sealed, m.id, m.rawLength) : openObjectRaw(key, m.sealed, m.rawLength) });
      return;
    case 'pack':
      send({ seq: m.seq, bytes: pack(m.first, m.count, m.tail) }, true);
      return;
    case 'batch':
      send({ ...batch(m.plain, m.lengths, m.compression), seq: m.seq, recycled: m.plain.buffer as ArrayBuffer }, true);
      return;
    case 'openRun':
      send(openRun(m.seq, m.sealed, m.blobs), true);
      return;
    case 'scan':
      send({ seq: m.seq, scanned: scanDirectory(m.path) });
      return;
    case 'recycle':
      if (m.kind === 'run') {
        if (runBuffers.length < RUN_BUFFERS) runBuffers.push(m.buffer);
      } else if (!spare || m.buffer.byteLength > spare.byteLength) spare = m.buffer;
      return;
  }
}

/**
 * A young-generation collection, started by hand (undefined where V8 refuses). Each step of a cipher returns a
 * fresh buffer: garbage as soon as it is copied into place, yet V8 collects young buffers only once they add up
 * to twice its default semi-space (32 MiB), per thread. Measured sealing 2 GiB in 64 KiB steps: peak RSS 134 MB
 * without, 64 MB with a collection every 4 MiB, and faster (the same few buffers stay in cache).
 */
function youngCollector(): (() => void) | undefined {
  const exposed = process.execArgv.some((a) => a === '--expose-gc' || a === '--expose_gc');
  try {
    if (!exposed) setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as (opts: { type: 'minor' }) => void;
    return () => gc({ type: 'minor' });
  } catch {
    return undefined;
  } finally {
    if (!exposed) setFlagsFromString('--no-expose-gc'); // only the context made above has it
  }
}

const collectYoung = youngCollector();
const COLLECT_EVERY = 4 * 1024 * 1024;
let sinceCollect = 0;

/** Bytes a request makes the ciphers and zstd go through (and so about the garbage they leave). */
function workOf(m: WorkerRequest): number {
  if (m.op === 'open' || m.op === 'openRun') return m.sealed.length;
  if (m.op === 'batch') return m.plain.length;
  if (m.op === 'seal') return (m.plain ?? held.get(m.seq))?.length ?? 0;
  return 0;
}

port.on('message', (m: WorkerRequest) => {
  try {
    const work = workOf(m); // before: handle() hands buffers back, which detaches them
    handle(m);
    sinceCollect += work;
    if (sinceCollect >= COLLECT_EVERY && collectYoung) {
      sinceCollect = 0;
      collectYoung();
    }
  } catch (err) {
    send(err instanceof BlobProblem ? { seq: m.seq, problem: err.message } : { seq: m.seq, error: (err as Error).stack ?? String(err) });
  }
});
