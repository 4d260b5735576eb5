/**
 * Crash safety and concurrency of the volume-data repository, through the real CLI (`bin/skiff repo …`), on a
 * local directory and on MinIO: a backup killed with SIGKILL mid-way leaves a valid repository; the next backup
 * indexes the packs the killed run uploaded, reuses their blobs, and restores byte for byte; check is clean and
 * maintenance removes the stale lock. Two backups into one repository at once both restore. (ADR 0015, "Concurrency and
 * maintenance".)
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateBucketCommand, DeleteBucketCommand } from '@aws-sdk/client-s3';
import { Repository, checkRepository, maintainRepository, openRepoLocation, type InitOptions } from '../../src/repo/index.ts';
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

test('local: the packs of a killed backup are reused by the next run once they are indexed (rebuildIndex)', async () => {
  const t = await target('local', 'reuse');
  await (await Repository.init(t.store, t.prefix, 'pw', FAST)).close();
  const src = await makeTree(join(work, 'src-reuse'), 2, 32, 0);
  const killed = await skiff(['repo', 'backup', '--repo', t.url, src], t.env, (kill, running) => killAfterPacks(t, 6, kill, running));
  assert.equal(killed.signal, 'SIGKILL');
  const rebuilt = await withRepo(t, (r) => r.rebuildIndex());
  assert.ok(rebuilt.blobsIndexed >= 6, `${rebuilt.blobsIndexed} blobs indexed from the crashed run's packs`);
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
