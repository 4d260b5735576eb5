/**
 * @module bench/scenarios/fs-micro: M1 — the repository's CPU primitives on one core, each on 64 MiB of
 * random data in 1 MiB pieces (as blobs are): the FastCDC chunker, HMAC-SHA256 (blob ids), SHA-256 (object
 * ids), AES-256-GCM (sealing), zstd level 3 (on random data, on the K1 JSON corpus, and the whole framing
 * with its incompressibility check); and JSON.parse of the K1 corpus (objects/s and MB/s).
 */
import { createHash, randomBytes } from 'node:crypto';
import { constants, zstdCompressSync } from 'node:zlib';
import { DEFAULT_CHUNK_SIZES, chunkBytes } from '../../src/repo/chunker.ts';
import { MasterKey } from '../../src/repo/crypto.ts';
import { frame } from '../../src/repo/blob.ts';
import { configMapBody, type Prepared } from '../scenario-context.ts';
import { KeyStream, MiB } from './fs-data.ts';

/** K1's objects as the API server returns them: 10,000 ConfigMaps, 1,000 each of Secrets, Services, Deployments. */
export function k1Corpus(): string[] {
  const docs: string[] = [];
  for (let i = 0; i < 10_000; i++) docs.push(configMapBody(`bench-k1-${String(i % 50).padStart(2, '0')}`, `cm-${i}`));
  for (let i = 0; i < 1_000; i++) {
    const ns = `bench-k1-${String(i % 50).padStart(2, '0')}`;
    const meta = (name: string): Record<string, unknown> => ({ name, namespace: ns, uid: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`, resourceVersion: String(100000 + i), creationTimestamp: '2026-01-01T00:00:00Z' });
    docs.push(JSON.stringify({ apiVersion: 'v1', kind: 'Secret', metadata: meta(`secret-${i}`), type: 'Opaque', data: { password: Buffer.from(`p-${i}-${'x'.repeat(200)}`).toString('base64') } }));
    docs.push(JSON.stringify({ apiVersion: 'v1', kind: 'Service', metadata: meta(`svc-${i}`), spec: { ports: [{ port: 80, protocol: 'TCP', targetPort: 80 }], clusterIP: `10.0.${i >> 8}.${i & 255}`, type: 'ClusterIP' } }));
    docs.push(JSON.stringify({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { ...meta(`app-${i}`), labels: { app: `app-${i}` } }, spec: { replicas: 0, selector: { matchLabels: { app: `app-${i}` } }, template: { metadata: { labels: { app: `app-${i}` } }, spec: { containers: [{ name: 'c', image: 'nginx:1.27' }] } } } }));
  }
  return docs;
}

/** MB/s of `fn` over `pieces` (MB = 10^6 bytes, as the targets are written), on this thread only. */
function rate(pieces: readonly Uint8Array[], fn: (b: Uint8Array) => unknown, rounds = 1): number {
  fn(pieces[0]!); // warm-up
  const started = performance.now();
  let bytes = 0;
  for (let r = 0; r < rounds; r++) {
    for (const p of pieces) {
      fn(p);
      bytes += p.length;
    }
  }
  return Math.round(bytes / 1e6 / ((performance.now() - started) / 1000));
}

export async function fsMicro(): Promise<Prepared> {
  const random = new KeyStream('m1').next(64 * MiB);
  const blobs = Array.from({ length: 64 }, (_, i) => random.subarray(i * MiB, (i + 1) * MiB));
  const docs = k1Corpus();
  const corpus = Buffer.from(docs.join('\n'));
  const corpusBlobs = Array.from({ length: Math.ceil(corpus.length / MiB) }, (_, i) => corpus.subarray(i * MiB, (i + 1) * MiB));
  const key = new MasterKey();
  const sealed = Buffer.allocUnsafeSlow(MiB + 64);
  const seed = randomBytes(32).toString('hex');
  const zstd = (b: Uint8Array): Buffer => zstdCompressSync(b, { params: { [constants.ZSTD_c_compressionLevel]: 3 } });
  return {
    run: async () => {
      const extra: Record<string, number> = {
        chunkerMBps: rate([random], (b) => chunkBytes(b, { ...DEFAULT_CHUNK_SIZES, seed })),
        hmacSha256MBps: rate(blobs, (b) => key.idOf(b)),
        sha256MBps: rate(blobs, (b) => createHash('sha256').update(b).digest()),
        // The same 1 MiB hashed 64 times, from cache: the function itself, without this machine's memory bandwidth
        // (64 MiB read once is memory-bound here: ~1.25 GB/s, where 1 MiB from cache runs at ~2 GB/s, as `openssl speed`).
        sha256CachedMBps: rate(Array.from({ length: 64 }, () => blobs[0]!), (b) => createHash('sha256').update(b).digest()),
        // Into one reused buffer, as a worker seals into its pack: a fresh 1 MiB output per call measures page faults, not the cipher.
        aesGcmMBps: rate(blobs, (b) => key.sealInto(sealed, 0, b)),
        aesGcmFreshOutputMBps: rate(blobs, (b) => key.seal(b)),
        zstdRandomMBps: rate(blobs.slice(0, 16), zstd),
        frameRandomMBps: rate(blobs, (b) => frame(b, 'zstd')),
        zstdJsonMBps: rate(corpusBlobs, zstd, 4),
        corpusMB: Math.round(corpus.length / 1e5) / 10,
        corpusRatio: Math.round((corpus.length / corpusBlobs.reduce((n, b) => n + zstd(b).length, 0)) * 10) / 10,
      };
      JSON.parse(docs[0]!);
      const started = performance.now();
      let parsed = 0;
      for (let r = 0; r < 5; r++) for (const d of docs) (JSON.parse(d), parsed++);
      const seconds = (performance.now() - started) / 1000;
      extra['jsonObjectsPerSec'] = Math.round(parsed / seconds);
      extra['jsonMBps'] = Math.round((5 * corpus.length) / 1e6 / seconds);
      return { objects: 64 * MiB, extra };
    },
    close: async () => undefined,
  };
}
