/**
 * @module bench/repo-micro: M1-style micro-benchmarks of the repository's CPU path (not a test; not in `npm run bench` yet).
 * `node bench/repo-micro.ts [--mib 64]`: MB/s per core of HMAC-SHA256, SHA-256, AES-256-GCM, zstd levels 1 and 3
 * (random and text-like data), then the whole per-blob path (HMAC + zstd + seal) three ways on all cores:
 * sync crypto on the main thread with async zstd on the libuv pool; everything on the libuv pool (WebCrypto);
 * a worker_threads pool. ADR 0015 records the figures and the choice.
 */
import { createCipheriv, createHash, createHmac, createSecretKey, randomBytes, webcrypto } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { parseArgs } from 'node:util';
import { Worker } from 'node:worker_threads';
import { constants, zstdCompress, zstdCompressSync, zstdDecompressSync } from 'node:zlib';
import { promisify } from 'node:util';

const { values } = parseArgs({ options: { mib: { type: 'string' } } });
const MiB = 1024 * 1024;
const total = Number(values.mib ?? 64) * MiB;
const BLOB = MiB;
const zstdAsync = promisify(zstdCompress);

const random = randomBytes(total);
const text = textLike(total);
const blobsOf = (buf: Buffer): Buffer[] => Array.from({ length: buf.length / BLOB }, (_, i) => buf.subarray(i * BLOB, (i + 1) * BLOB));
const encKey = randomBytes(32);
const macKey = randomBytes(32);

function textLike(n: number): Buffer {
  // JSON-ish lines with varying numbers: compresses about 4-8x, like logs and manifests.
  const out = Buffer.alloc(n);
  let off = 0;
  let i = 0;
  while (off < n) {
    const line = `{"ts":"2026-01-0${i % 9}T12:${i % 60}:00Z","level":"info","msg":"request served","path":"/api/v1/items/${(i * 7919) % 100000}","ms":${(i * 31) % 997}}\n`;
    off += out.write(line, off);
    i++;
  }
  return out;
}

function rate(bytes: number, ms: number): string {
  return `${((bytes / MiB) / (ms / 1000)).toFixed(0)} MiB/s`;
}

function timeSync(label: string, data: Buffer, fn: (b: Buffer) => unknown): void {
  const blobs = blobsOf(data);
  fn(blobs[0]!); // warm up
  const t0 = performance.now();
  for (const b of blobs) fn(b);
  console.log(`${label.padEnd(44)} ${rate(data.length, performance.now() - t0)}`);
}

async function timeAsync(label: string, data: Buffer, concurrency: number, fn: (b: Buffer) => Promise<unknown>): Promise<void> {
  const blobs = blobsOf(data);
  await fn(blobs[0]!);
  const t0 = performance.now();
  let next = 0;
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next < blobs.length) await fn(blobs[next++]!);
  }));
  console.log(`${label.padEnd(44)} ${rate(data.length, performance.now() - t0)}`);
}

/** chunkSize ≥ the output: the async API then makes one trip to the pool per blob, not one per 16 KiB (measured 4-7x). */
const zstdLevel = (level: number) => ({ chunkSize: BLOB + 64 * 1024, params: { [constants.ZSTD_c_compressionLevel]: level } });

function sealSync(plain: Buffer): Buffer {
  const nonce = randomBytes(12);
  const c = createCipheriv('aes-256-gcm', encKey, nonce);
  const body = c.update(plain);
  c.final();
  return Buffer.concat([nonce, body, c.getAuthTag()]);
}

console.log(`node ${process.version}, ${availableParallelism()} cores, ${total / MiB} MiB per run, ${BLOB / MiB} MiB blobs`);
console.log('-- one core, synchronous');
timeSync('HMAC-SHA256', random, (b) => createHmac('sha256', macKey).update(b).digest());
timeSync('SHA-256', random, (b) => createHash('sha256').update(b).digest());
timeSync('AES-256-GCM seal', random, sealSync);
// As the repository seals (crypto.ts): a KeyObject, and 64 KiB steps copied into one reused output buffer.
const encKeyObject = createSecretKey(encKey);
const sealOut = Buffer.allocUnsafe(BLOB + 64);
timeSync('AES-256-GCM seal, 64 KiB steps into a reused buffer', random, (b) => {
  const c = createCipheriv('aes-256-gcm', encKeyObject, randomBytes(12));
  for (let at = 0; at < b.length; at += 65536) sealOut.set(c.update(b.subarray(at, at + 65536)), at);
  c.final();
  return c.getAuthTag();
});
for (const level of [1, 3]) {
  timeSync(`zstd -${level} random`, random, (b) => zstdCompressSync(b, zstdLevel(level)));
  timeSync(`zstd -${level} text (ratio ${(text.length / zstdCompressSync(text.subarray(0, 8 * MiB), zstdLevel(level)).length * 8 * MiB / text.length).toFixed(1)}x)`, text, (b) => zstdCompressSync(b, zstdLevel(level)));
}
const packed = blobsOf(text).map((b) => zstdCompressSync(b, zstdLevel(3)));
{
  const t0 = performance.now();
  for (const p of packed) zstdDecompressSync(p);
  console.log(`${'zstd decompress text'.padEnd(44)} ${rate(text.length, performance.now() - t0)}`);
}

console.log('-- all cores, libuv threadpool (async)');
const subtle = webcrypto.subtle;
const aesKey = await subtle.importKey('raw', encKey, 'AES-GCM', false, ['encrypt']);
const hmacKey = await subtle.importKey('raw', macKey, { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
await timeAsync('zstd -3 text async ×4', text, 4, (b) => zstdAsync(b, zstdLevel(3)));
await timeAsync('zstd -3 random async ×4', random, 4, (b) => zstdAsync(b, zstdLevel(3)));
await timeAsync('WebCrypto AES-GCM ×4', random, 4, (b) => subtle.encrypt({ name: 'AES-GCM', iv: randomBytes(12) }, aesKey, b));
await timeAsync('WebCrypto HMAC ×4', random, 4, (b) => subtle.sign('HMAC', hmacKey, b));

console.log('-- the whole blob path (HMAC + zstd -3 + seal), all cores');
for (const [name, data] of [['text', text], ['random', random]] as const) {
  await timeAsync(`A main-thread crypto + pool zstd, ${name}`, data, 4, async (b) => {
    createHmac('sha256', macKey).update(b).digest();
    const z = await zstdAsync(b, zstdLevel(3));
    return sealSync(z.length < b.length - b.length / 16 ? z : b);
  });
  await timeAsync(`B all on the pool (WebCrypto), ${name}`, data, 4, async (b) => {
    const [, z] = await Promise.all([subtle.sign('HMAC', hmacKey, b), zstdAsync(b, zstdLevel(3))]);
    return subtle.encrypt({ name: 'AES-GCM', iv: randomBytes(12) }, aesKey, z.length < b.length - b.length / 16 ? z : b);
  });
  await timeAsync(`B' B + a 32 KiB zstd -1 sample first, ${name}`, data, 4, async (b) => {
    const sample = zstdCompressSync(b.subarray(0, 32 * 1024), { params: { [constants.ZSTD_c_compressionLevel]: 1 } });
    const worth = sample.length < 32 * 1024 * 0.97;
    const [, z] = await Promise.all([subtle.sign('HMAC', hmacKey, b), worth ? zstdAsync(b, zstdLevel(3)) : Promise.resolve(b)]);
    return subtle.encrypt({ name: 'AES-GCM', iv: randomBytes(12) }, aesKey, z.length < b.length - b.length / 16 ? z : b);
  });
  await workerPool(`C worker_threads ×2, ${name}`, data);
}

async function workerPool(label: string, data: Buffer): Promise<void> {
  const code = `
    const { parentPort, workerData } = require('node:worker_threads');
    const { createHmac, createCipheriv, randomBytes } = require('node:crypto');
    const { zstdCompressSync, constants } = require('node:zlib');
    const { encKey, macKey } = workerData;
    parentPort.on('message', ({ id, buf }) => {
      const b = Buffer.from(buf);
      const mac = createHmac('sha256', macKey).update(b).digest();
      const z = zstdCompressSync(b, { params: { [constants.ZSTD_c_compressionLevel]: 3 } });
      const p = z.length < b.length - b.length / 16 ? z : b;
      const nonce = randomBytes(12);
      const c = createCipheriv('aes-256-gcm', encKey, nonce);
      const out = Buffer.concat([nonce, c.update(p), c.final(), c.getAuthTag()]);
      const ab = out.buffer.slice(out.byteOffset, out.byteOffset + out.length);
      parentPort.postMessage({ id, mac, sealed: ab }, [ab]);
    });`;
  const workers = Array.from({ length: 2 }, () => new Worker(code, { eval: true, workerData: { encKey, macKey } }));
  const blobs = blobsOf(data);
  const t0 = performance.now();
  let next = 0;
  await Promise.all(workers.flatMap((w) => [0, 1].map(async () => {
    while (next < blobs.length) {
      const i = next++;
      const copy = Uint8Array.from(blobs[i]!).buffer; // the reader's buffer is transferred, as a file read's would be
      await new Promise<void>((resolve) => {
        const onMsg = (m: { id: number }): void => {
          if (m.id !== i) return;
          w.off('message', onMsg);
          resolve();
        };
        w.on('message', onMsg);
        w.postMessage({ id: i, buf: copy }, [copy]);
      });
    }
  })));
  console.log(`${label.padEnd(44)} ${rate(data.length, performance.now() - t0)}`);
  await Promise.all(workers.map((w) => w.terminate()));
}
