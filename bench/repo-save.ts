/**
 * @module bench/repo-save: throughput of the repository's write and read paths alone (no file reading, no
 * chunker): `node bench/repo-save.ts [--mib 512] [--repo URL] [--callers 8] [--encode N] [--uploads N]
 * [--threads N] [--data random|text]` (S3 credentials from the AWS environment).
 * saveBlob of 1 MiB blobs (id + zstd + seal + packs + uploads) by several callers, flush, then loadBlobs of
 * them all. Default repository: a temporary local directory. Prints MiB/s, CPU seconds and peak RSS.
 * The script re-runs itself as bin/skiff runs `skiff repo` (its environment and V8 flags), so its RSS is
 * comparable with the product's; Node flags given to the first run are passed on.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { Repository, openRepoLocation } from '../src/repo/index.ts';
import { emptyPrefix } from '../src/storage/testing/index.ts';
import { childEnv, v8Flags } from './child-env.ts';
import { MemorySampler } from './mem-sampler.ts';

const { values } = parseArgs({
  options: {
    mib: { type: 'string' }, repo: { type: 'string' }, callers: { type: 'string' }, data: { type: 'string' }, encode: { type: 'string' }, uploads: { type: 'string' }, threads: { type: 'string' },
    // Internal: set on the re-run that measures.
    measured: { type: 'boolean' },
  },
});
if (!values.measured) {
  // The caller's own flags come after bin/skiff's, so they win.
  const child = spawn(process.execPath, [...v8Flags(true), ...process.execArgv, import.meta.filename, ...process.argv.slice(2), '--measured'], { stdio: 'inherit', env: childEnv() });
  process.exit(await new Promise<number>((resolve) => child.on('close', (code) => resolve(code ?? 1))));
}
const MiB = 1024 * 1024;
const total = Number(values.mib ?? 512);
const callers = Number(values.callers ?? 8);
const dir = values.repo ? undefined : await mkdtemp(join(tmpdir(), 'skiff-bench-repo-'));
const url = values.repo ?? pathToFileURL(join(dir!, 'repo')).href;
const { store, prefix } = await openRepoLocation(url, { env: process.env, create: true });
const password = randomBytes(16).toString('hex');
const num = (v: string | undefined): number | undefined => (v === undefined ? undefined : Number(v));
const repoPrefix = `${prefix}bench-${randomBytes(4).toString('hex')}/`;
const repo = await Repository.init(store, repoPrefix, password, { encodeConcurrency: num(values.encode), uploadConcurrency: num(values.uploads), threads: num(values.threads) });

// A 64 MiB pool of source bytes; each blob is a slice at a distinct offset (so a distinct id), not a copy, as a
// file reader's chunks are views of its read buffer.
const pool = values.data === 'text' ? Buffer.from(Array.from({ length: 64 * MiB / 64 }, (_, i) => `line ${i} of some log-like text, level=info ok\n`.padEnd(64, '.')).join('')) : randomBytes(64 * MiB);
const blobAt = (i: number): Buffer => {
  const start = (i * 4093) % (pool.length - MiB);
  return pool.subarray(start, start + MiB);
};

const baseRss = process.memoryUsage().rss;
const sampler = new MemorySampler();
const cpu0 = process.cpuUsage();
const main0 = process.threadCpuUsage();
const t0 = performance.now();
let next = 0;
const ids: string[] = new Array(total);
await Promise.all(Array.from({ length: callers }, async () => {
  while (next < total) {
    const i = next++;
    ids[i] = (await repo.saveBlob('data', blobAt(i))).id;
  }
}));
await repo.flush();
const saveMs = performance.now() - t0;
const savePeakRss = sampler.peak.rss;
const cpu1 = process.cpuUsage(cpu0);
const main1 = process.threadCpuUsage(main0);
const t1 = performance.now();
let read = 0;
for await (const b of repo.loadBlobs(ids, { prefetch: 6 })) read += b.data.length;
const loadMs = performance.now() - t1;
const cpu2 = process.cpuUsage(cpu0);
sampler.stop();
const s = repo.stats;
console.log(JSON.stringify({
  repo: url.replace(/\?.*/, ''),
  data: values.data ?? 'random',
  mib: total,
  callers,
  saveMiBps: Math.round(total / (saveMs / 1000)),
  saveCpuSeconds: +((cpu1.user + cpu1.system) / 1e6).toFixed(2),
  saveMainThreadCpuSeconds: +((main1.user + main1.system) / 1e6).toFixed(2),
  loadMiBps: Math.round(read / MiB / (loadMs / 1000)),
  loadCpuSeconds: +((cpu2.user + cpu2.system - cpu1.user - cpu1.system) / 1e6).toFixed(2),
  baseRssMiB: Math.round(baseRss / MiB),
  savePeakRssMiB: Math.round(savePeakRss / MiB),
  peakRssMiB: Math.round(sampler.peak.rss / MiB),
  packs: s.packs,
  storedMiB: Math.round(s.packBytes / MiB),
}));
await repo.close();
// The repository is removed again: a bench leaves nothing behind.
if (dir) await rm(dir, { recursive: true, force: true });
else {
  await emptyPrefix(store, repoPrefix);
  await store.close();
}
