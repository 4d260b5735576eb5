/**
 * @module bench/repo-fs: F1–F4 of the volume-data repository, quickly, for tuning (not `npm run bench`, which
 * has the full suite in bench/scenarios/fs*.ts). Every step runs in a fresh process (clean peak RSS):
 *   node bench/repo-fs.ts [--work /dev/shm/skiff-repo-bench] [--repo-dir DIR] [--s3 URL] [--only f1,f2,f3,f4]
 *     [--files 100000] [--dirs 1000] [--mib 1024] [--flags="--cpu-prof"] [--keep]
 * (--s3 s3://bucket/prefix?endpoint=…&region=…&forcePathStyle=true, credentials from the AWS environment.)
 * F1: backup of one large random file; F2: backup of many ~100 B files; F3: incremental after 10 rewritten
 * MiB regions (large) and 1,000 changed + 100 added + 100 deleted files (small); F4: restore of both.
 * Prints one JSON line per step: seconds, rate, CPU seconds, peak RSS (all threads), bytes/objects written.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { Repository, backupDirectory, openRepoLocation, restoreSnapshot } from '../src/repo/index.ts';
import { emptyPrefix } from '../src/storage/testing/index.ts';
import { childEnv, semiSpaceFlag } from './child-env.ts';
import { MiB, changeSmallFiles, makeLargeFile, makeSmallFiles, rewriteRegions } from './scenarios/fs-data.ts';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    work: { type: 'string' }, 'repo-dir': { type: 'string' }, s3: { type: 'string' }, only: { type: 'string' },
    files: { type: 'string' }, dirs: { type: 'string' }, mib: { type: 'string' }, flags: { type: 'string' }, keep: { type: 'boolean' },
    // child arguments
    url: { type: 'string' }, dir: { type: 'string' }, target: { type: 'string' }, init: { type: 'boolean' }, incremental: { type: 'boolean' },
  },
});
const PASSWORD = 'bench-password';
const KDF = { N: 2 ** 14, r: 8, p: 1 };

async function repoUsage(repo: Repository): Promise<{ objects: number; bytes: number }> {
  const u = { objects: 0, bytes: 0 };
  for await (const o of repo.store.listObjects(repo.prefix)) {
    if (o.key.startsWith(`${repo.prefix}locks/`)) continue;
    u.objects++;
    u.bytes += o.size;
  }
  return u;
}

/** One timed step in this (fresh) process. */
async function child(step: string): Promise<void> {
  const { store, prefix } = await openRepoLocation(values.url!, { env: process.env, create: values.init === true });
  // Tuning knobs for experiments: SKIFF_BENCH_THREADS, SKIFF_BENCH_UPLOADS (Repository options), SKIFF_BENCH_INFLIGHT (bytes).
  const num = (v: string | undefined): number | undefined => (v ? Number(v) : undefined);
  const opts = { kdf: KDF, lock: 'shared' as const, threads: num(process.env.SKIFF_BENCH_THREADS), uploadConcurrency: num(process.env.SKIFF_BENCH_UPLOADS) };
  const repo = values.init ? await Repository.init(store, prefix, PASSWORD, opts) : await Repository.open(store, prefix, PASSWORD, opts);
  const before = await repoUsage(repo);
  // Where the memory is at the RSS peak (SKIFF_BENCH_MEM=1): V8 heap, external, array buffers.
  let peak = { rss: 0, heapUsed: 0, heapTotal: 0, external: 0, arrayBuffers: 0 };
  let peakMaps = '';
  const sampler = process.env.SKIFF_BENCH_MEM ? setInterval(() => {
    const m = process.memoryUsage();
    if (m.rss <= peak.rss) return;
    peak = m;
    if (process.env.SKIFF_BENCH_MEM === 'maps') peakMaps = readFileSync('/proc/self/smaps', 'utf8');
  }, 50) : undefined;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  let files = 0;
  let bytes = 0;
  let extra: Record<string, number> = {};
  if (step === 'backup') {
    const s = await backupDirectory(repo, values.dir!, { source: { host: 'bench', path: '/bench' }, hostname: 'bench', parent: values.incremental ? undefined : null, maxInFlightBytes: num(process.env.SKIFF_BENCH_INFLIGHT) });
    files = s.summary.files;
    bytes = s.summary.totalBytes;
    extra = { bytesRead: s.summary.bytesRead, newBlobs: s.summary.newBlobs, newBytesStored: s.summary.newBytesStored };
  } else {
    rmSync(values.target!, { recursive: true, force: true });
    const r = await restoreSnapshot(repo, 'latest', values.target!);
    files = r.files;
    bytes = r.bytes;
  }
  const seconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  clearInterval(sampler);
  if (peakMaps) console.error(largestMappings(peakMaps));
  if (sampler) extra = { ...extra, ...Object.fromEntries(Object.entries(peak).map(([k, v]) => [`peak_${k}MB`, Math.round(v / 2 ** 20)])) };
  await repo.close();
  const after = await repoUsage(repo);
  await store.close();
  if (step === 'restore' && !values.keep) rmSync(values.target!, { recursive: true, force: true });
  console.log(JSON.stringify({
    seconds: +seconds.toFixed(3), files, MBps: +(bytes / 1e6 / seconds).toFixed(1), filesPerSec: Math.round(files / seconds),
    cpuSeconds: +((cpu.user + cpu.system) / 1e6).toFixed(2), maxRssMB: Math.round(process.resourceUsage().maxRSS / 1024),
    uploadedMB: +((after.bytes - before.bytes) / 1e6).toFixed(2), objectsWritten: after.objects - before.objects, ...extra,
  }));
}

/** The mappings with the most resident memory in an smaps dump (where the peak RSS is). */
function largestMappings(smaps: string): string {
  const maps: Array<{ name: string; rss: number }> = [];
  for (const line of smaps.split('\n')) {
    if (/^[0-9a-f]+-[0-9a-f]+ /.test(line)) maps.push({ name: line.split(/\s+/).slice(5).join(' ') || `[anon ${line.split(' ')[0]}]`, rss: 0 });
    else if (line.startsWith('Rss:')) maps[maps.length - 1]!.rss = Number(line.split(/\s+/)[1]) / 1024;
  }
  const total = maps.reduce((n, m) => n + m.rss, 0);
  const sizes = new Map<string, number>();
  for (const m of maps) {
    const k = m.name.startsWith('[anon') ? (m.rss >= 8 ? `anon ${Math.round(m.rss)} MB` : 'anon < 8 MB') : m.name;
    sizes.set(k, (sizes.get(k) ?? 0) + m.rss);
  }
  return `peak RSS ${Math.round(total)} MB: ${[...sizes].sort((a, b) => b[1] - a[1]).slice(0, 16).map(([k, v]) => `${k}=${Math.round(v)}`).join(', ')}`;
}

function run(step: string, args: Record<string, string | boolean>): Promise<Record<string, unknown>> {
  const argv = Object.entries(args).flatMap(([k, v]) => (v === true ? [`--${k}`] : v === false ? [] : [`--${k}`, String(v)]));
  const flags = (values.flags ?? '').split(' ').filter(Boolean);
  const p = spawn(process.execPath, [semiSpaceFlag(true), ...flags, import.meta.filename, step, ...argv], { stdio: ['ignore', 'pipe', 'inherit'], env: childEnv() });
  let out = '';
  p.stdout.on('data', (c: Buffer) => (out += c.toString()));
  return new Promise((resolve, reject) =>
    p.on('close', (code) => (code === 0 ? resolve(JSON.parse(out.trim().split('\n').pop()!)) : reject(new Error(`${step} failed (exit ${code})`)))),
  );
}

async function driver(): Promise<void> {
  const work = values.work ?? (existsSync('/dev/shm') ? '/dev/shm/skiff-repo-bench' : '/tmp/skiff-repo-bench');
  const repoDir = values['repo-dir'] ?? join(work, 'repos');
  const only = new Set((values.only ?? 'f1,f2,f3,f4').split(','));
  const files = Number(values.files ?? 100_000);
  const dirs = Number(values.dirs ?? 1000);
  const bytes = Number(values.mib ?? 1024) * MiB;
  const tag = randomBytes(3).toString('hex');
  const urlOf = (name: string): string => (values.s3 ? `${values.s3.replace(/\?/, `/${tag}-${name}?`)}` : pathToFileURL(join(repoDir, `${tag}-${name}`)).href);
  const print = (step: string, r: Record<string, unknown>): void => console.log(JSON.stringify({ step, ...r }));
  const large = join(work, 'large');
  const small = join(work, `small-${files}`);
  try {
    if (only.has('f1') || only.has('f3') || (only.has('f4') && !only.has('f2'))) {
      if (!existsSync(join(large, 'large.bin'))) makeLargeFile(large, bytes);
      const url = urlOf('large');
      print('f1-backup', await run('backup', { url, dir: large, init: true }));
      if (only.has('f4')) print('f4-restore-large', await run('restore', { url, target: join(work, 'target-large') }));
      if (only.has('f3')) {
        const change = rewriteRegions(join(large, 'large.bin'), bytes);
        try {
          print('f3-large', { changedMB: change.changedBytes / 1e6, ...(await run('backup', { url, dir: large, incremental: true })) });
        } finally {
          change.undo();
        }
      }
    }
    if (only.has('f2') || only.has('f3') || only.has('f4')) {
      if (!existsSync(small)) makeSmallFiles(small, files, dirs);
      const url = urlOf('small');
      print('f2-backup', await run('backup', { url, dir: small, init: true }));
      if (only.has('f4')) print('f4-restore-small', await run('restore', { url, target: join(work, 'target-small') }));
      if (only.has('f3')) {
        const change = changeSmallFiles(small, files, dirs, { changed: Math.round(files / 100), added: Math.round(files / 1000), deleted: Math.round(files / 1000) });
        try {
          print('f3-small', { changedMB: change.changedBytes / 1e6, ...(await run('backup', { url, dir: small, incremental: true })) });
        } finally {
          change.undo();
        }
      }
    }
  } finally {
    if (!values.keep) {
      for (const n of ['large', 'small']) {
        if (!values.s3) rmSync(join(repoDir, `${tag}-${n}`), { recursive: true, force: true });
        else {
          const { store, prefix } = await openRepoLocation(urlOf(n), { env: process.env });
          await emptyPrefix(store, prefix);
          await store.close();
        }
      }
    }
  }
}

if (positionals[0] === 'backup' || positionals[0] === 'restore') await child(positionals[0]);
else await driver();
