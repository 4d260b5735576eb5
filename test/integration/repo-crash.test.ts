/**
 * Crash safety and concurrency of the volume-data repository, through the real CLI (`bin/skiff repo …`), on a
 * local directory and on MinIO: a backup killed with SIGKILL mid-way leaves a valid repository; the next backup
 * indexes the packs the killed run uploaded, reuses their blobs, and restores byte for byte; check is clean and
 * maintenance removes the stale lock. Maintenance keeps a killed backup's packs for its grace period (judged by
 * S3's lastModified). A maintenance killed mid-way leaves a valid repository that the next one tidies. Two
 * backups into one repository at once both restore. (ADR 0015, "Concurrency and maintenance".)
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateBucketCommand, DeleteBucketCommand } from '@aws-sdk/client-s3';
import { Repository, checkRepository, maintainRepository, openRepoLocation, type InitOptions, type MaintainResult } from '../../src/repo/index.ts';
import { assertSameDisk, describeDisk } from '../../src/repo/testing-fs.ts';
import type { ObjectStore } from '../../src/storage/index.ts';
import { emptyPrefix, listAll } from '../../src/storage/testing/index.ts';
import { PACKAGE_ROOT } from '../../src/util/index.ts';
import { testCluster } from '../support/cluster.ts';

/** Cheap scrypt (the CLI reads the cost from the key file) and 4 MiB packs, so packs land early in a backup. */
const FAST: InitOptions = { kdf: { N: 1024, r: 8, p: 1 }, packSize: 4 * 1024 * 1024 };
const work = await mkdtemp(join(tmpdir(), 'skiff-repo-crash-'));
const bucket = `repo-crash-${randomBytes(4).toString('hex')}`;
let minio: { store: ObjectStore; url: (prefix: string) => string; env: Record<string, string> } | undefined;
const opened: ObjectStore[] = [];
after(async () => {
  for (const s of opened) await s.close();
  await rm(work, { recursive: true, force: true });
});

before(async () => {
  const cluster = await testCluster();
  await cluster.s3.send(new CreateBucketCommand({ Bucket: bucket }));
  const env = { AWS_SHARED_CREDENTIALS_FILE: cluster.state.s3.credentialsFile };
  const url = (prefix: string): string => `s3://${bucket}/${prefix}?endpoint=${cluster.state.s3.endpoint}&region=${cluster.state.s3.region}&forcePathStyle=true`;
  minio = { store: (await openRepoLocation(url('x'), { env })).store, url, env };
});

after(async () => {
  if (!minio) return;
  await emptyPrefix(minio.store, '');
  await minio.store.close();
  await (await testCluster()).s3.send(new DeleteBucketCommand({ Bucket: bucket }));
});

interface Target {
  url: string;
  store: ObjectStore;
  prefix: string;
  env: Record<string, string>;
}

async function target(kind: 'local' | 'minio', name: string): Promise<Target> {
  if (kind === 'local') {
    const dir = join(work, name);
    const { store, prefix } = await openRepoLocation(`file://${dir}`, { env: {}, create: true });
    opened.push(store);
    return { url: `file://${dir}`, store, prefix, env: {} };
  }
  const { store, prefix } = await openRepoLocation(minio!.url(name), { env: minio!.env });
  opened.push(store);
  return { url: minio!.url(name), store, prefix, env: minio!.env };
}

/** Random files: `big` of `bigMiB` MiB each, and `small` small ones in subdirectories; `shared` bytes go in as a file too. */
async function makeTree(dir: string, big: number, bigMiB: number, small: number, shared?: Buffer): Promise<string> {
  for (let i = 0; i < big; i++) {
    await mkdir(join(dir, `big${i}`), { recursive: true });
    await writeFile(join(dir, `big${i}`, 'data.bin'), randomBytes(bigMiB * 1024 * 1024));
  }
  for (let i = 0; i < small; i++) {
    await mkdir(join(dir, 'small', String(i % 20)), { recursive: true });
    await writeFile(join(dir, 'small', String(i % 20), `f${i}`), randomBytes(i % 9000));
  }
  if (shared) await writeFile(join(dir, 'shared.bin'), shared);
  return dir;
}

interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Runs `bin/skiff ARGS`; `whileRunning` gets a way to kill the child, and to know it is still running. */
function skiff(args: string[], env: Record<string, string>, whileRunning?: (kill: () => void, running: () => boolean) => Promise<void>): Promise<Run> {
  const child = spawn(join(PACKAGE_ROOT, 'bin/skiff'), args, { env: { ...process.env, ...env, SKIFF_REPO_PASSWORD: 'pw', SKIFF_CACHE_DIR: join(work, 'cache') }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  let running = true;
  const exited = new Promise<Run>((resolve) =>
    child.on('exit', (code, signal) => {
      running = false;
      resolve({ code, signal, stdout, stderr });
    }),
  );
  const watching = whileRunning?.(() => child.kill('SIGKILL'), () => running);
  return Promise.all([exited, watching]).then(([r]) => ({ ...r, stdout, stderr }));
}

const count = async (store: ObjectStore, prefix: string): Promise<number> => (await listAll(store, prefix)).length;

/** Polls until at least `packs` packs are stored, then kills the backup (before its snapshot, the test checks). */
async function killAfterPacks(t: Target, packs: number, kill: () => void, running: () => boolean): Promise<void> {
  while (running()) {
    if ((await count(t.store, `${t.prefix}data/`)) >= packs) {
      kill();
      return;
    }
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** The keys under `prefix` now. */
async function keys(store: ObjectStore, prefix: string): Promise<Set<string>> {
  return new Set((await listAll(store, prefix)).map((o) => o.key));
}

/**
 * Polls until maintenance has written an index file not in `indexBefore` or deleted a pack of `packsBefore`
 * (past marking and repacking, before it is done), then kills it; returns which it saw.
 */
async function killMidMaintenance(t: Target, indexBefore: Set<string>, packsBefore: Set<string>, kill: () => void, running: () => boolean): Promise<string> {
  while (running()) {
    const index = [...(await keys(t.store, `${t.prefix}index/`))].filter((k) => !indexBefore.has(k));
    const packs = await keys(t.store, `${t.prefix}data/`);
    const deleted = [...packsBefore].filter((k) => !packs.has(k));
    if (index.length > 0 || deleted.length > 0) {
      kill();
      return `${index.length} new index files, ${deleted.length} packs deleted`;
    }
    await new Promise((r) => setTimeout(r, 5));
  }
  return 'maintenance ended before it wrote or deleted anything';
}

/** `bin/skiff repo maintain -o json`, which must succeed. */
async function maintainCli(t: Target): Promise<MaintainResult> {
  const r = await skiff(['repo', 'maintain', '--repo', t.url, '-o', 'json'], t.env);
  assert.equal(r.code, 0, `maintain failed: ${r.stderr}`);
  return JSON.parse(r.stdout) as MaintainResult;
}

async function withRepo<T>(t: Target, fn: (r: Repository) => Promise<T>): Promise<T> {
  const repo = await Repository.open(t.store, t.prefix, 'pw', { skipDamagedIndex: true });
  try {
    return await fn(repo);
  } finally {
    await repo.close();
  }
}

async function backup(t: Target, dir: string): Promise<string> {
  const r = await skiff(['repo', 'backup', '--repo', t.url, dir], t.env);
  assert.equal(r.code, 0, `backup failed: ${r.stderr}`);
  return r.stdout.trim();
}

async function restoreAndCompare(t: Target, id: string, src: string, out: string): Promise<void> {
  const r = await skiff(['repo', 'restore', '--repo', t.url, id, out], t.env);
  assert.equal(r.code, 0, `restore failed: ${r.stderr}`);
  assertSameDisk(await describeDisk(src), await describeDisk(out));
}

for (const kind of ['local', 'minio'] as const) {
  test(`${kind}: a backup killed with SIGKILL leaves a valid repository; the next one indexes and reuses what it uploaded, and restores`, async (tc) => {
    const t = await target(kind, `killed-${kind}`);
    await (await Repository.init(t.store, t.prefix, 'pw', FAST)).close();
    const src = await makeTree(join(work, `src-${kind}`), 2, 48, 1500);
    const killed = await skiff(['repo', 'backup', '--repo', t.url, src], t.env, (kill, running) => killAfterPacks(t, 3, kill, running));
    assert.equal(killed.signal, 'SIGKILL', `the backup ended on its own (code ${killed.code}): ${killed.stderr}`);
    assert.equal(await count(t.store, `${t.prefix}snapshots/`), 0, 'killed before its snapshot');
    const leftover = await count(t.store, `${t.prefix}data/`);
    assert.ok(leftover >= 3);

    const mid = await withRepo(t, (r) => checkRepository(r));
    assert.deepEqual(mid.errors, [], 'valid after the crash');
    assert.ok(mid.warnings.some((w) => /is in no index file/.test(w)), 'the crashed run left unindexed packs');

    const id = await backup(t, src); // the dead process's lock is stale at once: same host, pid gone
    await restoreAndCompare(t, id, src, join(work, `out-${kind}`));
    const full = await withRepo(t, (r) => checkRepository(r, { readData: true }));
    assert.deepEqual(full.errors, []);
    // `skiff repo backup` indexes a crashed run's packs before it starts: none is left unindexed.
    assert.ok(full.warnings.every((w) => /lock of pid \d+ .* is stale/.test(w)), full.warnings.join('\n'));
    assert.ok(full.warnings.some((w) => /is stale/.test(w)), 'the killed backup left its lock');

    const m = await withRepo(t, (r) => maintainRepository(r, { gracePeriodMs: 0 }));
    assert.equal(m.staleLocksRemoved, 1);
    tc.diagnostic(`killed with ${leftover} packs stored; maintenance removed ${m.unindexedPacksRemoved} unindexed packs, freed ${(m.bytesFreed / 2 ** 20).toFixed(1)} MiB in ${m.durationMs} ms`);
    const clean = await withRepo(t, (r) => checkRepository(r, { readData: true }));
    assert.deepEqual([clean.errors, clean.warnings], [[], []]);
    await restoreAndCompare(t, id, src, join(work, `out2-${kind}`));
  });
}

test('local: repo backup indexes the packs of a killed run itself and reuses their blobs', async () => {
  const t = await target('local', 'reuse');
  await (await Repository.init(t.store, t.prefix, 'pw', FAST)).close();
  const src = await makeTree(join(work, 'src-reuse'), 2, 32, 0);
  const killed = await skiff(['repo', 'backup', '--repo', t.url, src], t.env, (kill, running) => killAfterPacks(t, 6, kill, running));
  assert.equal(killed.signal, 'SIGKILL');
  // No index is rebuilt here: storing 20 MiB less than the tree holds proves `repo backup` indexed the crashed run's packs itself.
  const id = await backup(t, src);
  const snap = await withRepo(t, (r) => r.loadSnapshot(id));
  assert.ok(snap.summary.newBytesRaw <= snap.summary.totalBytes - 20 * 1024 * 1024, `stored ${snap.summary.newBytesRaw} of ${snap.summary.totalBytes} bytes anew`);
  await restoreAndCompare(t, id, src, join(work, 'out-reuse'));
});

test('minio: two backups into one repository at once both restore, and check is clean', async (tc) => {
  const t = await target('minio', 'two-writers');
  await (await Repository.init(t.store, t.prefix, 'pw', FAST)).close();
  const shared = randomBytes(12 * 1024 * 1024);
  const [a, b] = [await makeTree(join(work, 'two-a'), 1, 16, 300, shared), await makeTree(join(work, 'two-b'), 1, 16, 300, shared)];
  const [ida, idb] = await Promise.all([backup(t, a), backup(t, b)]);
  assert.notEqual(ida, idb);
  await restoreAndCompare(t, ida, a, join(work, 'two-out-a'));
  await restoreAndCompare(t, idb, b, join(work, 'two-out-b'));
  const r = await withRepo(t, (repo) => checkRepository(repo, { readData: true }));
  assert.deepEqual(r.errors, []);
  assert.ok(r.warnings.every((w) => /stored 2 times|more than once/.test(w)), r.warnings.join('\n'));
  tc.diagnostic(`${r.warnings.length} blobs stored twice by the two writers`);
  await withRepo(t, (repo) => maintainRepository(repo, { repackBelow: 1 }));
  const after = await withRepo(t, (repo) => checkRepository(repo, { readData: true }));
  assert.deepEqual([after.errors, after.warnings], [[], []], 'maintenance repacked the duplicates away');
  await restoreAndCompare(t, idb, b, join(work, 'two-out-b2'));
});

test('minio: maintenance keeps the packs of a killed backup for the default grace period, judged by their lastModified', async () => {
  const t = await target('minio', 'grace');
  await (await Repository.init(t.store, t.prefix, 'pw', FAST)).close();
  const src = await makeTree(join(work, 'src-grace'), 1, 32, 0);
  const killed = await skiff(['repo', 'backup', '--repo', t.url, src], t.env, (kill, running) => killAfterPacks(t, 3, kill, running));
  assert.equal(killed.signal, 'SIGKILL', `the backup ended on its own (code ${killed.code}): ${killed.stderr}`);
  const leftover = await count(t.store, `${t.prefix}data/`);

  const kept = await maintainCli(t); // the CLI's default grace period (1 h)
  assert.deepEqual([kept.unindexedPacksProtected, kept.unindexedPacksRemoved], [leftover, 0], 'every unindexed pack is young: kept');
  assert.equal(kept.staleLocksRemoved, 1, "the killed backup's lock");
  assert.equal(await count(t.store, `${t.prefix}data/`), leftover);

  // An hour later (maintenance's clock moved on; the store's lastModified stays), the same grace period lets them go.
  const later = await withRepo(t, (r) => maintainRepository(r, { now: () => new Date(Date.now() + 61 * 60_000) }));
  assert.deepEqual([later.unindexedPacksRemoved, later.unindexedPacksProtected], [leftover, 0]);
  assert.equal(await count(t.store, `${t.prefix}data/`), 0);
});

test('minio: a maintenance killed with SIGKILL mid-way leaves a valid repository; the next one finishes and removes its lock', async (tc) => {
  const t = await target('minio', 'killed-maintain');
  await (await Repository.init(t.store, t.prefix, 'pw', FAST)).close();
  const src = await makeTree(join(work, 'src-maintain'), 2, 16, 3000);
  const first = await backup(t, src);
  // The second snapshot lacks big1 and two thirds of the small files: whole packs die, others are mostly dead (repacked).
  await rm(join(src, 'big1'), { recursive: true });
  for (let i = 0; i < 3000; i++) if (i % 3 !== 0) await rm(join(src, 'small', String(i % 20), `f${i}`));
  const second = await backup(t, src);
  const forget = await skiff(['repo', 'forget', '--repo', t.url, first], t.env);
  assert.equal(forget.code, 0, forget.stderr);

  const [indexBefore, packsBefore] = [await keys(t.store, `${t.prefix}index/`), await keys(t.store, `${t.prefix}data/`)];
  let seen = '';
  const killed = await skiff(['repo', 'maintain', '--repo', t.url], t.env, async (kill, running) => {
    seen = await killMidMaintenance(t, indexBefore, packsBefore, kill, running);
  });
  assert.equal(killed.signal, 'SIGKILL', `maintenance ended on its own (code ${killed.code}, ${seen}): ${killed.stderr}`);

  const check = await skiff(['repo', 'check', '--repo', t.url, '--read-data'], t.env);
  assert.equal(check.code, 0, `check after the kill: ${check.stdout}${check.stderr}`);
  assert.match(check.stdout, /read and authenticated: no errors were found/);
  await restoreAndCompare(t, second, src, join(work, 'maintain-out'));

  // The dead process's exclusive lock is stale at once (this host, pid gone): no waiting, no flag.
  const next = await maintainCli(t);
  assert.equal(next.staleLocksRemoved, 1, 'the killed maintenance left its exclusive lock');
  tc.diagnostic(`killed after ${seen}; the next run removed ${next.indexFilesRemoved} index files, ${next.packsRemoved} packs, ${next.unindexedPacksProtected} unindexed packs kept for the grace period`);
  assert.ok(next.indexFilesRemoved + next.packsRemoved + next.unindexedPacksProtected > 0, 'the killed run had left work undone');
  const after = await withRepo(t, (r) => checkRepository(r, { readData: true }));
  assert.deepEqual(after.errors, []);
  // Dead packs whose index the killed run had already superseded are unindexed now, and young: the grace period keeps them.
  assert.equal(after.warnings.length, next.unindexedPacksProtected, after.warnings.join('\n'));
  assert.ok(after.warnings.every((w) => /is in no index file/.test(w)), after.warnings.join('\n'));
  const late = await withRepo(t, (r) => maintainRepository(r, { gracePeriodMs: 0 }));
  assert.equal(late.unindexedPacksRemoved, next.unindexedPacksProtected);
  const clean = await withRepo(t, (r) => checkRepository(r, { readData: true }));
  assert.deepEqual([clean.errors, clean.warnings], [[], []]);
  const tidy = await withRepo(t, (r) => maintainRepository(r));
  assert.deepEqual([tidy.packsRemoved, tidy.packsRepacked, tidy.indexFilesWritten, tidy.staleLocksRemoved], [0, 0, 0, 0], 'nothing is left to do');
  await restoreAndCompare(t, second, src, join(work, 'maintain-out2'));
});
