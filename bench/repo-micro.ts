/**
 * @module bench/repo-micro: how to spread the repository's per-blob CPU work over the cores (not a test; not
 * in `npm run bench`). `node bench/repo-micro.ts [--mib 64]`: the libuv pool alone (async zstd, WebCrypto),
 * then the whole per-blob path (HMAC + zstd + seal) three ways on all cores: sync crypto on the main thread
 * with async zstd on the libuv pool; everything on the libuv pool (WebCrypto); a worker_threads pool. On
 * random data and on the K1 JSON corpus. ADR 0015 records the figures and the choice (repo/crypto-pool.ts).
 * The per-core rates of the primitives are M1's (bench/scenarios/fs-micro.ts, `npm run bench -- --only m1`).
 */
import { createHmac, randomBytes, webcrypto } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { parseArgs, promisify } from 'node:util';
import { Worker } from 'node:worker_threads';
import { constants, zstdCompress, zstdCompressSync } from 'node:zlib';
import { sealWith } from '../src/repo/crypto.ts';
import { KeyStream } from './scenarios/fs-data.ts';
import { k1Corpus } from './scenarios/fs-micro.ts';

const { values } = parseArgs({ options: { mib: { type: 'string' } } });
const MiB = 1024 * 1024;
const total = Number(values.mib ?? 64) * MiB;
const BLOB = MiB;
const zstdAsync = promisify(zstdCompress);

const random = new KeyStream('repo-micro').next(total);
const json = repeated(Buffer.from(k1Corpus().join('\n')), total);
const blobsOf = (buf: Buffer): Buffer[] => Array.from({ length: buf.length / BLOB }, (_, i) => buf.subarray(i * BLOB, (i + 1) * BLOB));
const encKey = randomBytes(32);
const macKey = randomBytes(32);

/** `n` bytes of `corpus` over and over (compresses as the corpus does: each 1 MiB blob is compressed alone). */
function repeated(corpus: Buffer, n: number): Buffer {
  const out = Buffer.allocUnsafe(n);
  let off = 0;
  while (off < n) off += corpus.copy(out, off);
  return out;
}

function rate(bytes: number, ms: number): string {
  return `${((bytes / MiB) / (ms / 1000)).toFixed(0)} MiB/s`;
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

console.log(`node ${process.version}, ${availableParallelism()} cores, ${total / MiB} MiB per run, ${BLOB / MiB} MiB blobs`);
console.log('-- all cores, libuv threadpool (async)');
const subtle = webcrypto.subtle;
const aesKey = await subtle.importKey('raw', encKey, 'AES-GCM', false, ['encrypt']);
const hmacKey = await subtle.importKey('raw', macKey, { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
await timeAsync('zstd -3 json async ×4', json, 4, (b) => zstdAsync(b, zstdLevel(3)));
await timeAsync('zstd -3 random async ×4', random, 4, (b) => zstdAsync(b, zstdLevel(3)));
await timeAsync('WebCrypto AES-GCM ×4', random, 4, (b) => subtle.encrypt({ name: 'AES-GCM', iv: randomBytes(12) }, aesKey, b));
await timeAsync('WebCrypto HMAC ×4', random, 4, (b) => subtle.sign('HMAC', hmacKey, b));

console.log('-- the whole blob path (HMAC + zstd -3 + seal), all cores');
for (const [name, data] of [['json', json], ['random', random]] as const) {
  await timeAsync(`A main-thread crypto + pool zstd, ${name}`, data, 4, async (b) => {
    createHmac('sha256', macKey).update(b).digest();
    const z = await zstdAsync(b, zstdLevel(3));
    return sealWith(encKey, z.length < b.length - b.length / 16 ? z : b);
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
