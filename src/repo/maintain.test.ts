/**
 * @module repo/maintain.test: forget + maintenance on a local store: space of forgotten snapshots freed, the
 * others restorable byte for byte and checking clean; sparse packs repacked; unindexed packs by age; a crash
 * (an injected failure) at every step leaves a valid repository that the next run tidies; locks respected.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { LocalObjectStore, type ObjectStore } from '../storage/index.ts';
import { listAll } from '../storage/testing/index.ts';
import { backupDirectory } from './archiver.ts';
import { checkRepository } from './check.ts';
import { RepoError } from './errors.ts';
import { forgetSnapshots } from './forget.ts';
import type { LoadedIndex } from './index-file.ts';
import { maintainRepository } from './maintain.ts';
import { Repository, type InitOptions } from './repository.ts';
import { restoreSnapshot } from './restorer.ts';
import { assertSameDisk, describeDisk } from './testing-fs.ts';
import type { Snapshot } from './types.ts';

const FAST: InitOptions = { kdf: { N: 1024, r: 8, p: 1 }, packSize: 512 * 1024, chunker: { minSize: 64 * 1024, avgSize: 128 * 1024, maxSize: 256 * 1024 } };
const root = await mkdtemp(join(tmpdir(), 'skiff-repo-maintain-'));
after(() => rm(root, { recursive: true, force: true }));
let n = 0;

async function writeTree(dir: string, files: Record<string, Buffer>): Promise<string> {
  for (const [name, bytes] of Object.entries(files)) {
    await mkdir(dirname(join(dir, name)), { recursive: true });
    await writeFile(join(dir, name), bytes);
  }
  return dir;
}

const dataBytes = async (store: LocalObjectStore): Promise<number> => (await listAll(store, 'data/')).reduce((s, o) => s + o.size, 0);

/** Three trees sharing one file: A, B and C each add `unique` random bytes of their own. */
async function threeSnapshots(unique: number, shared: number): Promise<{ store: LocalObjectStore; work: string; snaps: Snapshot[]; dirs: string[] }> {
  const work = join(root, String(n++));
  const store = await LocalObjectStore.open({ root: work, bucket: 'repo', createBucket: true });
  const repo = await Repository.init(store, '', 'pw', FAST);
  const common = randomBytes(shared);
  const small = Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`etc/conf-${i}`, Buffer.from(`setting ${i}\n`.repeat(20))]));
  const snaps: Snapshot[] = [];
  const dirs: string[] = [];
  for (const name of ['a', 'b', 'c']) {
    const dir = await writeTree(join(work, name), { shared: common, [`own-${name}`]: randomBytes(unique), ...small });
    dirs.push(dir);
    snaps.push(await backupDirectory(repo, dir, { source: { path: `/${name}` } }));
  }
  await repo.close();
  return { store, work, snaps, dirs };
}

async function withRepo<T>(store: ObjectStore, fn: (repo: Repository) => Promise<T>, opts: Parameters<typeof Repository.open>[3] = {}): Promise<T> {
  const repo = await Repository.open(store, '', 'pw', opts);
  try {
    return await fn(repo);
  } finally {
    await repo.close();
  }
}

const check = (store: ObjectStore, readData = true) => withRepo(store, (r) => checkRepository(r, { readData }), { skipDamagedIndex: true });

test('forget A and B, maintain: the bytes of their own content go, C restores byte for byte and checks clean', async () => {
  const unique = 3 * 1024 * 1024;
  const { store, work, snaps, dirs } = await threeSnapshots(unique, 2 * 1024 * 1024);
  const before = await dataBytes(store);
  const plan = await withRepo(store, (r) => forgetSnapshots(r, {}, { ids: [snaps[0]!.id!.slice(0, 8), snaps[1]!.id!] }));
  assert.deepEqual(plan.remove.map((s) => s.id).sort(), [snaps[0]!.id, snaps[1]!.id].sort());
  assert.deepEqual(plan.keep.map((k) => k.snapshot.id), [snaps[2]!.id]);
  const dry = await withRepo(store, (r) => maintainRepository(r, { dryRun: true }));
  assert.equal(await dataBytes(store), before, 'a dry run changes nothing');
  const result = await withRepo(store, (r) => maintainRepository(r));
  const after1 = await dataBytes(store);
  assert.deepEqual([result.packsRemoved, result.packsRepacked, result.bytesDeleted], [dry.packsRemoved, dry.packsRepacked, dry.bytesDeleted], 'the dry run planned the same');
  assert.equal(result.snapshots, 1);
  assert.equal(before - after1, result.bytesFreed);
  assert.ok(before - after1 >= 0.6 * 2 * unique && before - after1 <= 2 * unique * 1.1, `freed ${before - after1} of ${2 * unique} unique bytes (default repack threshold)`);
  // Repacking everything with dead bytes frees all of A's and B's own content.
  const tidy = await withRepo(store, (r) => maintainRepository(r, { repackBelow: 1 }));
  const after2 = await dataBytes(store);
  assert.ok(before - after2 >= 0.97 * 2 * unique && before - after2 <= 2 * unique * 1.05, `freed ${before - after2} of ${2 * unique} unique bytes (repack all)`);
  assert.equal(tidy.blobsRemoved > 0 || tidy.packsRemoved > 0 || result.packsRemoved > 0, true);
  await withRepo(store, (r) => restoreSnapshot(r, snaps[2]!.id!, join(work, 'out')));
  assertSameDisk(await describeDisk(dirs[2]!), await describeDisk(join(work, 'out')));
  const r = await check(store);
  assert.deepEqual([r.errors, r.warnings], [[], []]);
  assert.equal((await listAll(store, 'index/')).length, 1, 'one index file left');
  const again = await withRepo(store, (repo) => maintainRepository(repo));
  assert.deepEqual([again.packsRemoved, again.packsRepacked, again.indexFilesWritten], [0, 0, 0], 'nothing left to do');
  await store.close();
});

test('a sparse pack is repacked: its live blobs move to a new pack, the rest go', async () => {
  const store = await LocalObjectStore.open({ root: join(root, String(n++)), bucket: 'repo', createBucket: true });
  const repo = await Repository.init(store, '', 'pw', FAST);
  const blobs = Array.from({ length: 8 }, () => randomBytes(40_000));
  const ids = [];
  for (const b of blobs) ids.push((await repo.saveBlob('data', b)).id);
  const file = (name: string, id: string) => ({ name, type: 'file' as const, mode: 0o644, uid: 0, gid: 0, mtime: '2024-01-01T00:00:00Z', size: 40_000, content: [id] });
  const tree = await repo.saveTree({ nodes: [file('keep', ids[3]!)] });
  const snap = await repo.saveSnapshot({ time: new Date().toISOString(), source: { path: '/x' }, tags: [], tree, hostname: 'h', summary: { files: 1, dirs: 1, totalBytes: 0, bytesRead: 0, newBlobs: 0, newBytesRaw: 0, newBytesStored: 0, errorCount: 0, durationMs: 0 } });
  const oldPack = repo.index.get(ids[3]!)!.pack;
  const early = await Repository.open(store, '', 'pw'); // its index, read now, places the kept blob in a pack maintenance deletes
  const r = await maintainRepository(repo, {});
  // The tree is in a pack of trees, all live: only the data pack is repacked.
  assert.deepEqual([r.packsRepacked, r.blobsRepacked, r.packsWritten, r.blobsLive, r.packsTotal], [1, 1, 1, 2, 2], 'the live data blob moved');
  assert.notEqual(repo.index.get(ids[3]!)!.pack, oldPack);
  assert.equal(repo.index.has(ids[0]!), false);
  assert.deepEqual(Buffer.from(await repo.loadBlob('data', ids[3]!)), blobs[3]);
  assert.equal((await repo.loadSnapshot(snap)).tree, tree);
  await repo.close();
  const c = await check(store);
  assert.deepEqual([c.errors, c.warnings], [[], []]);
  const stale = await checkRepository(early).finally(() => early.close());
  assert.deepEqual([stale.errors, stale.warnings], [[], []], 'check reads the index again once it holds its lock');
  await store.close();
});

test('packs no index lists: left alone while young, deleted once older than the grace period', async () => {
  const { store } = await threeSnapshots(300_000, 100_000);
  const indexBefore = new Set((await listAll(store, 'index/')).map((o) => o.key));
  const packsBefore = new Set((await listAll(store, 'data/')).map((o) => o.key));
  await withRepo(store, async (r) => {
    await r.saveBlob('data', randomBytes(200_000));
    await r.flush();
  });
  for (const o of await listAll(store, 'index/')) if (!indexBefore.has(o.key)) await store.deleteObject(o.key); // as if the backup died before its index
  const stray = (await listAll(store, 'data/')).filter((o) => !packsBefore.has(o.key));
  assert.equal(stray.length, 1);
  const young = await withRepo(store, (r) => maintainRepository(r));
  assert.equal(young.unindexedPacksProtected, 1);
  assert.equal(await store.objectExists(stray[0]!.key), true);
  const warned = await check(store, false);
  assert.ok(warned.warnings.some((w) => w.includes('is in no index file')), warned.warnings.join('\n'));
  const later = () => new Date(Date.now() + 2 * 3600_000);
  const old = await withRepo(store, (r) => maintainRepository(r, { now: later }));
  assert.deepEqual([old.unindexedPacksRemoved, old.unindexedPacksProtected], [1, 0]);
  assert.equal(await store.objectExists(stray[0]!.key), false);
  const c = await check(store);
  assert.deepEqual([c.errors, c.warnings], [[], []]);
  await store.close();
});

test('when the index files of live packs are lost, maintenance indexes those packs first and deletes nothing live', async () => {
  const { store, work, snaps, dirs } = await threeSnapshots(200_000, 100_000);
  for (const o of await listAll(store, 'index/')) await store.deleteObject(o.key);
  const r = await withRepo(store, (repo) => maintainRepository(repo, { gracePeriodMs: 0 }));
  assert.equal(r.rebuiltIndex, true);
  assert.equal(r.packsRemoved + r.unindexedPacksRemoved, 0);
  await withRepo(store, (repo) => restoreSnapshot(repo, snaps[1]!, join(work, 'out')));
  assertSameDisk(await describeDisk(dirs[1]!), await describeDisk(join(work, 'out')));
  const c = await check(store);
  assert.deepEqual([c.errors, c.warnings], [[], []]);
  await store.close();
});

/** The store, failing the `nth` call of `op` on keys under `under` (as a crash there would stop the run). */
function failing(store: LocalObjectStore, op: 'putObject' | 'deleteObject', under: string, nth: number): ObjectStore {
  let calls = 0;
  return new Proxy(store, {
    get(target, prop) {
      const v = Reflect.get(target, prop, target) as unknown;
      if (typeof v !== 'function') return v;
      if (prop !== op) return v.bind(target);
      return (key: string, ...rest: unknown[]) => {
        if (key.startsWith(under) && ++calls === nth) return Promise.reject(new Error(`injected failure: ${op} ${key}`));
        return (v as (...a: unknown[]) => unknown).call(target, key, ...rest);
      };
    },
  });
}

/** Keys under `index/` and `data/` before and after a failed run, and what a reader takes for the index after it. */
interface Listing {
  index: Set<string>;
  data: Set<string>;
}

const listKeys = async (store: ObjectStore): Promise<Listing> => ({ index: new Set((await listAll(store, 'index/')).map((o) => o.key)), data: new Set((await listAll(store, 'data/')).map((o) => o.key)) });
const minus = (a: Set<string>, b: Set<string>): string[] => [...a].filter((k) => !b.has(k));
const keysOf = (ids: string[]): string[] => ids.map((id) => `index/${id}`).sort();

test('a failure at any step of maintenance leaves a valid repository; the next run finishes the job', async () => {
  /** Before the consolidated index lands, the old index files are in force and every old pack is there. */
  const oldInForce = (was: Listing, now: Listing, loaded: LoadedIndex): void => {
    assert.deepEqual(minus(was.index, now.index), [], 'every old index file stays');
    assert.deepEqual(loaded.superseded, [], 'none superseded');
    assert.deepEqual(minus(was.data, now.data), [], 'every old pack stays');
  };
  const points: Array<[op: 'putObject' | 'deleteObject', under: string, nth: number, state: (was: Listing, now: Listing, loaded: LoadedIndex) => void]> = [
    // repacking: the first new pack (others may land meanwhile, indexed by nothing)
    ['putObject', 'data/', 1, (was, now, loaded) => {
      oldInForce(was, now, loaded);
      assert.deepEqual(now.index, was.index, 'no index file written');
    }],
    // the index of the repacked packs (a later flush of the session may write it after all)
    ['putObject', 'index/', 1, (was, now, loaded) => {
      oldInForce(was, now, loaded);
      assert.ok(minus(now.data, was.data).length > 0, 'the new packs are in place');
    }],
    // the consolidated index
    ['putObject', 'index/', 2, (was, now, loaded) => {
      oldInForce(was, now, loaded);
      assert.equal(minus(now.index, was.index).length, 1, 'only the index of the repacked packs was added');
    }],
    // new index in place, old ones not yet deleted
    ['deleteObject', 'index/', 1, (was, now, loaded) => {
      assert.equal(loaded.files.length, 1, 'the consolidated index file alone is in force');
      assert.ok(loaded.superseded.length > 0, 'the old index file whose deletion failed stays');
      assert.deepEqual(keysOf([...loaded.files, ...loaded.superseded]), [...now.index].sort(), 'every other file left is superseded');
      assert.deepEqual(minus(was.data, now.data), [], 'no pack deleted before every old index file is');
    }],
    // some old packs deleted, others not
    ['deleteObject', 'data/', 2, (was, now, loaded) => {
      assert.deepEqual([...now.index], keysOf(loaded.files), 'only the consolidated index file is left');
      assert.equal(now.index.size, 1);
      assert.deepEqual(loaded.superseded, []);
      const gone = minus(was.data, now.data).length;
      assert.ok(gone > 0 && gone < was.data.size, `some old packs deleted, not all (${gone} of ${was.data.size})`);
    }],
  ];
  for (const [op, under, nth, state] of points) {
    const what = `${op} ${under} #${nth}`;
    const { store, work, snaps, dirs } = await threeSnapshots(600_000, 300_000);
    await withRepo(store, (r) => forgetSnapshots(r, {}, { ids: [snaps[0]!.id!, snaps[1]!.id!] }));
    const was = await listKeys(store);
    await assert.rejects(withRepo(failing(store, op, under, nth), (r) => maintainRepository(r, { repackBelow: 1 })), /injected failure/, what);
    const now = await listKeys(store);
    const loaded = await withRepo(store, async (r) => r.indexState);
    try {
      state(was, now, loaded);
    } catch (err) {
      (err as Error).message = `${what}: ${(err as Error).message}`;
      throw err;
    }
    const mid = await check(store);
    assert.deepEqual(mid.errors, [], `${what}: valid after the failure`);
    await withRepo(store, (r) => restoreSnapshot(r, snaps[2]!.id!, join(work, 'mid')));
    assertSameDisk(await describeDisk(dirs[2]!), await describeDisk(join(work, 'mid')));
    await withRepo(store, (r) => maintainRepository(r, { repackBelow: 1, gracePeriodMs: 0 }));
    const end = await check(store);
    assert.deepEqual([end.errors, end.warnings], [[], []], `${what}: tidy after the next run`);
    await withRepo(store, (r) => restoreSnapshot(r, snaps[2]!.id!, join(work, 'end')));
    assertSameDisk(await describeDisk(dirs[2]!), await describeDisk(join(work, 'end')));
    await store.close();
  }
});

test('maintenance waits for no backup: a shared lock makes it fail clearly; a dry run needs only a shared lock; stale locks go', async () => {
  const { store } = await threeSnapshots(100_000, 100_000);
  const backup = await Repository.open(store, '', 'pw', { lock: 'shared' });
  await assert.rejects(withRepo(store, (r) => maintainRepository(r)), (err: unknown) => err instanceof RepoError && err.reason === 'Locked' && /is locked/.test(err.message));
  await assert.rejects(maintainRepository(backup), (err: unknown) => err instanceof RepoError && err.reason === 'Locked' && /needs an exclusive lock/.test(err.message));
  const dry = await withRepo(store, (r) => maintainRepository(r, { dryRun: true }));
  assert.equal(dry.dryRun, true);
  await backup.close();
  const done = await withRepo(store, (r) => maintainRepository(r));
  assert.equal(done.dryRun, false);
  assert.deepEqual(await listAll(store, 'locks/'), [], 'every lock released');
  const now = new Date().toISOString();
  await store.putObject(`locks/${'ee'.repeat(32)}`, JSON.stringify({ exclusive: false, hostname: hostname(), pid: 2 ** 22 + 1, time: now, refreshed: now }));
  const warned = await check(store, false);
  assert.deepEqual(warned.warnings, [`shared lock of pid ${2 ** 22 + 1} on ${hostname()} since ${now} is stale (its process is gone or stopped refreshing it); it is ignored, and maintenance removes it`]);
  assert.equal((await withRepo(store, (r) => maintainRepository(r))).staleLocksRemoved, 1);
  assert.deepEqual(await listAll(store, 'locks/'), []);
  await assert.rejects(withRepo(store, (r) => maintainRepository(r, { repackBelow: 2 })), /repackBelow/);
  await store.close();
});

/** The store, counting whole-object reads of packs, ranged reads that reach a pack's end (its header) and reads of index files. */
function counting(store: LocalObjectStore, sizes: ReadonlyMap<string, number>): { store: ObjectStore; reads: { packs: number; headers: number; index: number } } {
  const reads = { packs: 0, headers: 0, index: 0 };
  const counted = new Proxy(store, {
    get(target, prop) {
      const v = Reflect.get(target, prop, target) as unknown;
      if (typeof v !== 'function') return v;
      const f = (v as (...a: unknown[]) => unknown).bind(target);
      if (prop === 'getObject') {
        return (key: string, ...rest: unknown[]) => {
          if (key.startsWith('data/')) reads.packs++;
          if (key.startsWith('index/')) reads.index++;
          return f(key, ...rest);
        };
      }
      if (prop === 'getObjectRange') {
        return (key: string, offset: number, length: number, ...rest: unknown[]) => {
          if (offset + length === sizes.get(key)) reads.headers++;
          return f(key, offset, length, ...rest);
        };
      }
      return f;
    },
  });
  return { store: counted, reads };
}

test('many blobs: each repacked pack is read once, whole; no pack header and no cached index file is read again (peak RSS reported)', async (t) => {
  const count = Number(process.env['SKIFF_MAINTAIN_BLOBS'] ?? 20_000);
  const store = await LocalObjectStore.open({ root: join(root, String(n++)), bucket: 'repo', createBucket: true });
  const cacheDir = join(root, `cache-${n++}`);
  const repo = await Repository.init(store, '', 'pw', { ...FAST, packSize: 4 * 1024 * 1024, cacheDir });
  const perDir = 1000;
  const full: Array<{ name: string; id: string }> = [];
  const half: typeof full = [];
  const setupStart = Date.now();
  for (let d = 0; d * perDir < count; d++) {
    const all = [];
    for (let i = 0; i < perDir && d * perDir + i < count; i++) {
      const { id } = await repo.saveBlob('data', randomBytes(200));
      all.push({ name: `f${i}`, type: 'file' as const, mode: 0o644, uid: 0, gid: 0, mtime: '2024-01-01T00:00:00Z', size: 200, content: [id] });
    }
    full.push({ name: `d${d}`, id: await repo.saveTree({ nodes: all }) });
    half.push({ name: `d${d}`, id: await repo.saveTree({ nodes: all.filter((_, i) => i % 2 === 0) }) });
  }
  const dirNodes = (list: typeof full) => list.map((x) => ({ name: x.name, type: 'dir' as const, mode: 0o755, uid: 0, gid: 0, mtime: '2024-01-01T00:00:00Z', subtree: x.id }));
  const summary = { files: count, dirs: 0, totalBytes: 0, bytesRead: 0, newBlobs: 0, newBytesRaw: 0, newBytesStored: 0, errorCount: 0, durationMs: 0 };
  const a = await repo.saveSnapshot({ time: '2024-01-01T00:00:00Z', source: { path: '/m' }, tags: [], tree: await repo.saveTree({ nodes: dirNodes(full) }), hostname: 'h', summary });
  await repo.saveSnapshot({ time: '2024-01-02T00:00:00Z', source: { path: '/m' }, tags: [], tree: await repo.saveTree({ nodes: dirNodes(half) }), hostname: 'h', summary });
  await repo.close();
  t.diagnostic(`setup: ${count} blobs in ${Date.now() - setupStart} ms`);
  await withRepo(store, (r) => forgetSnapshots(r, {}, { ids: [a] }));
  const { store: watched, reads } = counting(store, new Map((await listAll(store, 'data/')).map((o) => [o.key, o.size])));
  const reopened = await Repository.open(watched, '', 'pw', { cacheDir });
  assert.equal(reads.index, 0, 'the index came from the cache');
  (globalThis as { gc?: () => void }).gc?.();
  const base = process.memoryUsage.rss();
  let peak = base;
  const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage.rss())), 10);
  const started = Date.now();
  let result;
  try {
    result = await maintainRepository(reopened);
  } finally {
    clearInterval(timer);
    await reopened.close();
  }
  const mib = (x: number): string => (x / 2 ** 20).toFixed(1);
  t.diagnostic(`maintain: ${count} blobs, ${result.trees} trees, ${result.packsRepacked} packs repacked, ${result.blobsRepacked} blobs copied, ${mib(result.bytesFreed)} MiB freed in ${Date.now() - started} ms; RSS ${mib(base)} MiB before, peak ${mib(peak)} MiB (+${mib(peak - base)})`);
  assert.equal(result.blobsLive, Math.ceil(count / 2) + Math.ceil(count / perDir) + 1, 'half the data blobs, the half trees, the root');
  assert.ok(result.packsRepacked > 0);
  assert.deepEqual(reads, { packs: result.packsRepacked, headers: 0, index: 0 }, 'one streamed read per repacked pack; locations from the index; index files from the cache');
  const c = await check(store, false);
  assert.deepEqual([c.errors, c.warnings], [[], []]);
  await store.close();
});
