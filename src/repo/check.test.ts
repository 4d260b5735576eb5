/** @module repo/check.test: `checkRepository` on a local store: clean, then every kind of damage named precisely. */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalObjectStore } from '../storage/index.ts';
import { listAll } from '../storage/testing/index.ts';
import { backupDirectory } from './archiver.ts';
import { checkRepository, type CheckOptions, type CheckResult } from './check.ts';
import { RepoError } from './errors.ts';
import { Repository, type InitOptions } from './repository.ts';
import type { Snapshot } from './types.ts';

const FAST: InitOptions = { kdf: { N: 1024, r: 8, p: 1 }, packSize: 256 * 1024, chunker: { minSize: 64 * 1024, avgSize: 128 * 1024, maxSize: 512 * 1024 } };
const root = await mkdtemp(join(tmpdir(), 'skiff-repo-check-'));
after(() => rm(root, { recursive: true, force: true }));

let store: LocalObjectStore;
let snap: Snapshot;

before(async () => {
  const src = join(root, 'src');
  await mkdir(join(src, 'a/b'), { recursive: true });
  await writeFile(join(src, 'big'), randomBytes(1024 * 1024));
  await writeFile(join(src, 'a/b/deep.txt'), 'deep '.repeat(5000));
  for (let i = 0; i < 20; i++) await writeFile(join(src, 'a', `f${i}`), randomBytes(500 + i));
  store = await LocalObjectStore.open({ root, bucket: 'repo', createBucket: true });
  const repo = await Repository.init(store, '', 'pw', FAST);
  snap = await backupDirectory(repo, src, { source: { path: '/vol' } });
  await repo.close();
});

const fileOf = (key: string): string => join(store.dir, ...key.split('/'));

async function check(opts: CheckOptions = {}, cacheDir?: string): Promise<CheckResult> {
  const repo = await Repository.open(store, '', 'pw', { skipDamagedIndex: true, cacheDir });
  try {
    return await checkRepository(repo, opts);
  } finally {
    await repo.close();
  }
}

/** Runs `fn` with the byte at `pos` of `key` flipped, then puts it back. */
async function withFlipped<T>(key: string, pos: number, fn: () => Promise<T>): Promise<T> {
  const original = await readFile(fileOf(key));
  const changed = Buffer.from(original);
  changed[pos] = changed[pos]! ^ 0x20;
  await writeFile(fileOf(key), changed);
  try {
    return await fn();
  } finally {
    await writeFile(fileOf(key), original);
  }
}

/** Where a blob of `type` lies (the first such blob, or the one with the given id). */
async function locate(type: 'data' | 'tree', id?: string): Promise<{ id: string; pack: string; offset: number; key: string }> {
  const repo = await Repository.open(store, '', 'pw');
  const loc = [...repo.index.entries()].find((l) => l.type === type && (id === undefined || l.id === id))!;
  await repo.close();
  return { ...loc, key: `data/${loc.pack.slice(0, 2)}/${loc.pack}` };
}

test('a healthy repository checks clean, with and without reading the data', async () => {
  const r = await check();
  assert.deepEqual([r.errors, r.warnings], [[], []]);
  assert.equal(r.snapshots, 1);
  assert.equal(r.trees, 3, 'root, a, a/b');
  assert.ok(r.packs >= 3 && r.blobs > 20, `packs ${r.packs}, blobs ${r.blobs}`);
  assert.equal(r.bytesRead, 0);
  const full = await check({ readData: true });
  assert.deepEqual([full.errors, full.warnings], [[], []]);
  const stored = (await listAll(store, 'data/')).reduce((n, o) => n + o.size, 0);
  assert.equal(full.bytesRead, stored, 'every pack read once');
  const part = await check({ readDataSubset: '1/2' });
  const other = await check({ readDataSubset: { part: 2, of: 2 } });
  assert.equal(part.bytesRead + other.bytesRead, stored, 'the two halves cover every pack once');
  assert.equal((await check({ readDataSubset: '100%' })).bytesRead, stored);
  for (const bad of ['0/3', '4/3', 'half', '0%', '101%']) await assert.rejects(check({ readDataSubset: bad }), (err: unknown) => err instanceof RepoError && /readDataSubset/.test(err.message), bad);
});

test('a changed byte of a data blob passes the structure check and fails --read-data, naming pack and blob', async () => {
  const loc = await locate('data');
  const r = await withFlipped(loc.key, loc.offset + 20, async () => [await check(), await check({ readData: true })] as const);
  assert.deepEqual(r[0].errors, []);
  assert.ok(r[1].errors.some((e) => e.includes(`pack ${loc.pack}: data blob ${loc.id} at offset ${loc.offset}`) && /authentication failed/.test(e)), r[1].errors.join('\n'));
});

test('a changed byte of a tree blob fails the structure check, naming the snapshot, path and tree', async () => {
  const repo = await Repository.open(store, '', 'pw');
  const a = (await repo.loadTree(snap.tree)).nodes.find((n) => n.name === 'a')!.subtree!;
  const b = (await repo.loadTree(a)).nodes.find((n) => n.name === 'b')!.subtree!;
  await repo.close();
  const loc = await locate('tree', b);
  const r = await withFlipped(loc.key, loc.offset + 15, () => check());
  assert.equal(r.errors.length, 1, r.errors.join('\n'));
  assert.match(r.errors[0]!, new RegExp(`^snapshot ${snap.id}: directory /a/b: tree ${b}: .*authentication failed`));
  assert.equal(r.trees, 2, 'the other trees were walked');
});

test('a changed pack header fails --read-data', async () => {
  const obj = (await listAll(store, 'data/'))[0]!;
  const r = await withFlipped(obj.key, obj.size - 10, () => check({ readData: true }));
  const pack = obj.key.split('/').at(-1)!;
  assert.ok(r.errors.some((e) => e.startsWith(`pack header ${pack}`) && /does not match the pack name/.test(e)), r.errors.join('\n'));
});

test('a changed index file is named, even when a good copy is cached; its packs then show as unindexed', async () => {
  const [idx] = await listAll(store, 'index/');
  const cacheDir = join(root, 'cache');
  assert.deepEqual((await check({}, cacheDir)).errors, [], 'the cache is filled');
  for (const cached of [undefined, cacheDir]) {
    const r = await withFlipped(idx!.key, 40, () => check({}, cached));
    assert.ok(r.errors.some((e) => e.startsWith(`index file ${idx!.key.split('/')[1]!.slice(0, 16)}`) && /authentication failed|do not match/.test(e)), r.errors.join('\n'));
    assert.ok(r.warnings.some((w) => /is in no index file/.test(w)));
  }
});

test('a changed snapshot file is named', async () => {
  const key = `snapshots/${snap.id}`;
  const r = await withFlipped(key, 30, () => check());
  assert.ok(r.errors.some((e) => e.startsWith(`snapshot ${snap.id}: `) && /do not match its name/.test(e)), r.errors.join('\n'));
  assert.equal(r.snapshots, 0);
});

test('a missing or truncated pack is an error of the structure check; a pack no index lists is a warning', async () => {
  const loc = await locate('data');
  const original = await readFile(fileOf(loc.key));
  try {
    await writeFile(fileOf(loc.key), original.subarray(0, original.length - 1));
    const cut = await check();
    assert.ok(cut.errors.some((e) => e.startsWith(`pack ${loc.pack} is ${original.length - 1} bytes`)), cut.errors.join('\n'));
    await unlink(fileOf(loc.key));
    const gone = await check();
    assert.ok(gone.errors.some((e) => e.startsWith(`pack ${loc.pack} is listed by the index`) && /missing from the store/.test(e)), gone.errors.join('\n'));
  } finally {
    await writeFile(fileOf(loc.key), original);
  }
  const stray = `data/ab/${'ab'.repeat(32)}`;
  await mkdir(join(store.dir, 'data/ab'), { recursive: true });
  await writeFile(fileOf(stray), randomBytes(300));
  try {
    const r = await check();
    assert.deepEqual(r.errors, []);
    assert.ok(r.warnings.some((w) => w.startsWith(`pack ${'ab'.repeat(32)} (300 bytes`)), r.warnings.join('\n'));
  } finally {
    await unlink(fileOf(stray));
  }
});

test('a snapshot referencing a blob the index lacks is named with its path', async () => {
  const repo = await Repository.open(store, '', 'pw');
  const ghost = 'cd'.repeat(32);
  const tree = await repo.saveTree({ nodes: [{ name: 'ghost.bin', type: 'file', mode: 0o644, uid: 0, gid: 0, mtime: '2024-01-01T00:00:00.000000000Z', size: 5, content: [ghost] }] });
  const id = await repo.saveSnapshot({ ...snap, id: undefined, tree, time: new Date().toISOString() });
  await repo.close();
  try {
    const r = await check();
    assert.deepEqual(r.errors, [`snapshot ${id}: /ghost.bin: data blob ${ghost} is not in the index`]);
  } finally {
    await unlink(fileOf(`snapshots/${id}`));
  }
});

test('a blob stored twice (two writers at once) is a warning, not an error', async () => {
  const [a, b] = [await Repository.open(store, '', 'pw'), await Repository.open(store, '', 'pw')];
  const bytes = randomBytes(1000);
  await Promise.all([a.saveBlob('data', bytes), b.saveBlob('data', bytes)]);
  await Promise.all([a.close(), b.close()]);
  const r = await check({ readData: true });
  assert.deepEqual(r.errors, []);
  assert.ok(r.warnings.some((w) => w.startsWith(`blob ${a.blobId(bytes)} is stored 2 times`)), r.warnings.join('\n'));
});

test('a changed key file is named', async () => {
  const repo = await Repository.open(store, '', 'pw');
  const other = await repo.addPassword('other');
  await repo.close();
  try {
    const r = await withFlipped(`keys/${other}`, 20, () => check());
    assert.ok(r.errors.length === 1 && r.errors[0]!.startsWith(`key file ${other.slice(0, 16)}`) && /do not match its name/.test(r.errors[0]!), r.errors.join('\n'));
  } finally {
    await unlink(fileOf(`keys/${other}`));
  }
});
