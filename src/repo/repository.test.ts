/** @module repo/repository.test: the format core on a local directory store: round trips, keys, dedupe, index cache and rebuild. */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalObjectStore } from '../storage/index.ts';
import { listAll } from '../storage/testing/index.ts';
import { RepoError, RepoPasswordError } from './errors.ts';
import { listLocks } from './lock.ts';
import { Repository, type InitOptions } from './repository.ts';
import type { Snapshot } from './types.ts';

const root = await mkdtemp(join(tmpdir(), 'skiff-repo-'));
after(() => rm(root, { recursive: true, force: true }));

/** Cheap scrypt and small packs: tests make many keys and want several packs. */
const FAST: InitOptions = { kdf: { N: 1024, r: 8, p: 1 }, packSize: 256 * 1024, hostname: 'test-host' };

let n = 0;
async function freshStore(): Promise<LocalObjectStore> {
  return LocalObjectStore.open({ root, bucket: `b${n++}`, createBucket: true });
}

function snapshotOf(tree: string, time = new Date().toISOString()): Snapshot {
  return { time, source: { path: '/data', namespace: 'ns', pod: 'p', volume: 'v' }, tags: ['t'], tree, hostname: 'h', summary: { files: 1, dirs: 0, totalBytes: 1, bytesRead: 1, newBlobs: 1, newBytesRaw: 1, newBytesStored: 1, errorCount: 0, durationMs: 1 } };
}

test('init, save blobs of every size across several packs, reopen and read them back', async () => {
  const store = await freshStore();
  const repo = await Repository.init(store, 'repo', 'pw-1', FAST);
  assert.equal(repo.prefix, 'repo/');
  const blobs = [Buffer.alloc(0), Buffer.from('tiny'), randomBytes(1024 * 1024 + 7), randomBytes(200 * 1024), Buffer.alloc(300 * 1024, 'compressible text ')];
  const ids: string[] = [];
  for (const b of blobs) {
    const r = await repo.saveBlob('data', b);
    assert.equal(r.isNew, true);
    assert.equal(r.id, repo.blobId(b));
    ids.push(r.id);
  }
  await repo.flush();
  assert.ok(repo.stats.packs >= 2, `several packs (${repo.stats.packs})`);
  assert.ok(repo.stats.newBytesStored < repo.stats.newBytesRaw, 'the compressible blob was compressed');
  await repo.close();

  const again = await Repository.open(store, 'repo/', 'pw-1', FAST);
  assert.equal(again.config.id, repo.config.id);
  for (const [i, id] of ids.entries()) {
    assert.equal(again.hasBlob(id), true);
    assert.deepEqual(Buffer.from(await again.loadBlob('data', id)), blobs[i]);
  }
  const got = [];
  for await (const b of again.loadBlobs([ids[2]!, ids[3]!, ids[2]!, ids[4]!])) got.push(b);
  assert.deepEqual(got.map((b) => b.id), [ids[2], ids[3], ids[2], ids[4]]);
  assert.deepEqual(got[3]!.data, blobs[4]);
  assert.deepEqual(got[0]!.data, blobs[2]);
  const again2 = await again.saveBlob('data', blobs[1]!);
  assert.deepEqual(again2, { id: ids[1], isNew: false, storedLength: 0 }, 'dedupe against the loaded index');
  await assert.rejects(again.loadBlob('tree', ids[1]!), (err: unknown) => err instanceof RepoError && /not a tree blob/.test(err.message));
  await assert.rejects(again.loadBlob('data', 'ab'.repeat(32)), (err: unknown) => err instanceof RepoError && err.reason === 'NotFound');
  await again.close();
});

test('trees and snapshots round-trip; snapshots list by time; saveSnapshot flushes first', async () => {
  const store = await freshStore();
  const repo = await Repository.init(store, '', 'pw', FAST);
  const content = await repo.saveBlob('data', Buffer.from('hello'));
  const tree = { nodes: [{ name: 'b.txt', type: 'file' as const, mode: 0o644, uid: 1, gid: 2, mtime: '2024-01-01T00:00:00.000000001Z', size: 5, content: [content.id] }, { name: 'a', type: 'symlink' as const, mode: 0o777, uid: 0, gid: 0, mtime: '2024-01-01T00:00:00Z', linkTarget: 'b.txt' }] };
  const treeId = await repo.saveTree(tree);
  assert.equal(await repo.saveTree({ nodes: [...tree.nodes].reverse() }), treeId, 'canonical: order does not matter');
  const late = await repo.saveSnapshot(snapshotOf(treeId, '2024-02-01T00:00:00Z'));
  const early = await repo.saveSnapshot({ ...snapshotOf(treeId, '2024-01-01T00:00:00Z'), parent: late });
  assert.ok((await listAll(store, 'index/')).length >= 1, 'the index was written before the snapshot');
  await repo.close();
  const again = await Repository.open(store, '', 'pw', FAST);
  assert.deepEqual((await again.loadTree(treeId)).nodes.map((x) => x.name), ['a', 'b.txt']);
  const list = await again.listSnapshots();
  assert.deepEqual(list.map((s) => s.id), [early, late]);
  assert.equal(list[0]!.parent, late);
  assert.deepEqual(await again.loadSnapshot(late), { ...snapshotOf(treeId, '2024-02-01T00:00:00Z'), id: late });
  await again.removeSnapshot(early);
  assert.deepEqual(await again.listSnapshotIds(), [late]);
  await assert.rejects(again.saveSnapshot({ ...snapshotOf(treeId), tree: 'nope' }), /tree must be a blob id/);
  await again.close();
});

test('concurrent saves of identical content store it once', async () => {
  const store = await freshStore();
  const repo = await Repository.init(store, '', 'pw', FAST);
  const same = randomBytes(150 * 1024);
  const results = await Promise.all(Array.from({ length: 8 }, () => repo.saveBlob('data', same)));
  assert.equal(results.filter((r) => r.isNew).length, 1);
  assert.equal(new Set(results.map((r) => r.id)).size, 1);
  // and once more while the first copy sits in a pack that is still being filled or uploaded
  assert.equal((await repo.saveBlob('data', same)).isNew, false);
  await repo.flush();
  assert.equal(repo.stats.newBlobs, 1);
  assert.equal(repo.index.size, 1);
  await repo.close();
});

test('no default password; a wrong password and a missing repository are clear errors', async () => {
  const store = await freshStore();
  await assert.rejects(Repository.init(store, '', '', FAST), (err: unknown) => err instanceof RepoError && /no default password/.test(err.message));
  await assert.rejects(Repository.open(store, '', 'pw', FAST), (err: unknown) => err instanceof RepoError && err.reason === 'NotARepository' && /not a repository/.test(err.message));
  const missing = await LocalObjectStore.open({ root, bucket: 'never-created' });
  await assert.rejects(Repository.open(missing, '', 'pw', FAST), (err: unknown) => err instanceof RepoError && err.reason === 'NotARepository');
  await (await Repository.init(store, '', 'right', FAST)).close();
  await assert.rejects(Repository.open(store, '', 'wrong', FAST), (err: unknown) => err instanceof RepoPasswordError && /wrong password or no key for it/.test(err.message));
  await assert.rejects(Repository.init(store, '', 'again', FAST), (err: unknown) => err instanceof RepoError && err.reason === 'AlreadyExists');
});

test('two passwords open the same repository; a password change keeps the data and retires the old password', async () => {
  const store = await freshStore();
  const repo = await Repository.init(store, '', 'first', FAST);
  const { id } = await repo.saveBlob('data', Buffer.from('kept across password changes'));
  const second = await repo.addPassword('second');
  await repo.close();

  const viaSecond = await Repository.open(store, '', 'second', FAST);
  assert.equal(viaSecond.keyId, second);
  assert.equal(Buffer.from(await viaSecond.loadBlob('data', id)).toString(), 'kept across password changes');
  const keys = await viaSecond.listKeys();
  assert.equal(keys.length, 2);
  assert.deepEqual(keys.filter((k) => k.current).map((k) => k.id), [second]);
  assert.equal(keys[0]!.hostname, 'test-host');
  await assert.rejects(viaSecond.removeKey(second), /the one this session opened/);
  const third = await viaSecond.changePassword('third');
  await viaSecond.close();

  await assert.rejects(Repository.open(store, '', 'second', FAST), RepoPasswordError);
  const viaThird = await Repository.open(store, '', 'third', FAST);
  assert.equal(viaThird.keyId, third);
  assert.equal(Buffer.from(await viaThird.loadBlob('data', id)).toString(), 'kept across password changes');
  const viaFirst = await Repository.open(store, '', 'first', FAST);
  await viaFirst.removeKey(third.slice(0, 10));
  await assert.rejects(viaFirst.removeKey(viaFirst.keyId), /the one this session opened/);
  await assert.rejects(Repository.open(store, '', 'third', FAST), RepoPasswordError);
  await viaThird.close();
  await viaFirst.close();
});

test('index files are cached locally and reused; a damaged cache entry is refetched', async () => {
  const store = await freshStore();
  const cacheDir = join(root, 'cache');
  const repo = await Repository.init(store, '', 'pw', { ...FAST, cacheDir });
  const { id } = await repo.saveBlob('data', randomBytes(1000));
  await repo.close();
  const dir = join(cacheDir, repo.config.id, 'index');
  const cached = await readdir(dir);
  assert.equal(cached.length, 1, 'written to the cache as uploaded');
  const get = store.getObject.bind(store);
  let indexGets = 0;
  store.getObject = async (key, opts) => {
    if (key.startsWith('index/')) indexGets++;
    return get(key, opts);
  };
  try {
    const again = await Repository.open(store, '', 'pw', { ...FAST, cacheDir });
    assert.equal(again.hasBlob(id), true);
    await again.close();
    assert.equal(indexGets, 0, 'read from the cache only');
    await writeFile(join(dir, cached[0]!), 'garbage');
    const third = await Repository.open(store, '', 'pw', { ...FAST, cacheDir });
    assert.equal(third.hasBlob(id), true, 'the damaged cache copy was replaced from the store');
    await third.close();
    assert.equal(indexGets, 1, 'the damaged entry, fetched once');
  } finally {
    store.getObject = get;
  }
  assert.deepEqual(await readFile(join(dir, cached[0]!)), await readFile(join(store.dir, 'index', cached[0]!)), 'the cache holds the stored bytes again');
});

test('the index is rebuilt from pack headers after index/ is deleted; a full rebuild replaces every index file', async () => {
  const store = await freshStore();
  const repo = await Repository.init(store, '', 'pw', FAST);
  const blobs = Array.from({ length: 12 }, () => randomBytes(64 * 1024));
  const ids = [];
  for (const b of blobs) ids.push((await repo.saveBlob('data', b)).id);
  const treeId = await repo.saveTree({ nodes: [] });
  await repo.close();
  for (const o of await listAll(store, 'index/')) await store.deleteObject(o.key);

  const lost = await Repository.open(store, '', 'pw', FAST);
  assert.equal(lost.hasBlob(ids[0]!), false);
  const result = await lost.rebuildIndex();
  assert.equal(result.blobsIndexed, 13);
  assert.equal(result.packsRead, result.packs);
  for (const [i, id] of ids.entries()) assert.deepEqual(Buffer.from(await lost.loadBlob('data', id)), blobs[i]);
  assert.deepEqual(await lost.loadTree(treeId), { nodes: [] });
  assert.equal((await lost.rebuildIndex()).packsRead, 0, 'nothing left to index');
  const before = (await listAll(store, 'index/')).map((o) => o.key);
  const full = await lost.rebuildIndex({ full: true });
  assert.equal(full.blobsIndexed, 13);
  assert.deepEqual(full.indexFilesRemoved.map((id) => `index/${id}`).sort(), before.sort());
  assert.deepEqual((await listAll(store, 'index/')).map((o) => o.key.slice(6)), full.indexFilesWritten);
  const more = randomBytes(100 * 1024);
  const moreId = (await lost.saveBlob('data', more)).id;
  await lost.flush();
  assert.deepEqual(Buffer.from(await lost.loadBlob('data', moreId)), more, 'saving goes on after a rebuild (same worker lanes)');
  const own = await lost.rebuildIndex();
  assert.deepEqual([own.packsRead, own.indexFilesWritten], [0, []], 'the pack this session indexed is not indexed again');
  await lost.close();
  const reopened = await Repository.open(store, '', 'pw', FAST);
  assert.equal(reopened.index.size, 14);
  const list = store.listObjects.bind(store);
  const listed: string[] = [];
  store.listObjects = (prefix, opts) => {
    listed.push(prefix);
    return list(prefix, opts);
  };
  try {
    assert.equal((await reopened.rebuildIndex()).packsRead, 0);
  } finally {
    store.listObjects = list;
  }
  assert.deepEqual(listed, ['data/'], 'the index read at open serves; nothing written, nothing reloaded');
  await reopened.close();
});

test('a failed pack upload fails the saves after it and flush, never silently', async () => {
  const store = await freshStore();
  const repo = await Repository.init(store, '', 'pw', FAST);
  const put = store.putObject.bind(store);
  store.putObject = async (key, body, opts) => {
    if (key.startsWith('data/')) throw new Error('injected upload failure');
    return put(key, body, opts);
  };
  try {
    await assert.rejects(async () => {
      for (let i = 0; i < 10; i++) await repo.saveBlob('data', randomBytes(100 * 1024));
      await repo.flush();
    }, /injected upload failure/);
    await assert.rejects(repo.flush(), /injected upload failure/);
  } finally {
    store.putObject = put;
  }
  await repo.close({ discard: true });
});

test('saveBlob is done with the caller buffer when it returns: reusing it at once stores the original bytes', async () => {
  const store = await freshStore();
  const repo = await Repository.init(store, '', 'pw', FAST);
  const buf = Buffer.alloc(200 * 1024);
  const originals: Buffer[] = [];
  const saves = [];
  for (const size of [100, 5000, 70 * 1024, 200 * 1024]) {
    for (let i = 0; i < 3; i++) {
      const original = randomBytes(size);
      original.copy(buf);
      originals.push(original);
      saves.push(repo.saveBlob('data', buf.subarray(0, size)));
      buf.fill(0xee); // as a reader reuses its read buffer
    }
  }
  const ids = (await Promise.all(saves)).map((r) => r.id);
  await repo.flush();
  for (const [i, id] of ids.entries()) {
    assert.equal(id, repo.blobId(originals[i]!));
    assert.deepEqual(await repo.loadBlob('data', id), originals[i]);
  }
  await repo.close();
});

test('a slow store: while a full pack waits for an upload slot, saves wait too (packs never pile up in memory)', async () => {
  const store = await freshStore();
  const repo = await Repository.init(store, '', 'pw', { ...FAST, packSize: 64 * 1024, uploadConcurrency: 1 });
  const put = store.putObject.bind(store);
  let open!: () => void;
  const gate = new Promise<void>((resolve) => (open = resolve));
  let packPuts = 0;
  let firstPut!: () => void;
  const putStarted = new Promise<void>((resolve) => (firstPut = resolve));
  store.putObject = async (key, body, opts) => {
    if (key.startsWith('data/')) {
      packPuts++;
      firstPut();
      await gate;
    }
    return put(key, body, opts);
  };
  try {
    const blobs = Array.from({ length: 12 }, () => randomBytes(40 * 1024)); // two fill a pack
    const settled = new Set<number>();
    const saves = blobs.map((b, i) => repo.saveBlob('data', b).then((r) => (settled.add(i), r)));
    await putStarted;
    for (let turn = 0; turn < 200; turn++) await new Promise((resolve) => setImmediate(resolve)); // the others get every chance to run
    assert.equal(packPuts, 1, 'one upload at a time');
    // Pack 1 uploads (stalled), pack 2 is full and waits for the slot: blobs 1-3 are in, every later save waits.
    assert.ok(settled.size <= 3, `later saves wait for the stalled upload (${settled.size} settled)`);
    open();
    const ids = (await Promise.all(saves)).map((r) => r.id);
    await repo.flush();
    for (const [i, id] of ids.entries()) assert.deepEqual(await repo.loadBlob('data', id), blobs[i]);
  } finally {
    store.putObject = put;
  }
  await repo.close();
});

test('withLock: the session lock when it is strong enough, else one of its own (with the session hostname) released after', async () => {
  const store = await freshStore();
  await (await Repository.init(store, '', 'pw', FAST)).close();
  const repo = await Repository.open(store, '', 'pw', FAST);
  const inside = await repo.withLock('exclusive', 'the test', async (lock) => ({ taken: lock.taken, locks: await listLocks(store, '') }));
  assert.equal(inside.taken, true);
  assert.deepEqual(inside.locks.map((l) => [l.info?.exclusive, l.info?.hostname]), [[true, 'test-host']]);
  assert.deepEqual(await listLocks(store, ''), [], 'released');
  await repo.close();
  const shared = await Repository.open(store, '', 'pw', { ...FAST, lock: 'shared' });
  assert.equal(await shared.withLock('shared', 'the test', async (lock) => lock.taken), false, 'the session lock serves');
  await assert.rejects(shared.withLock('exclusive', 'the test', async () => undefined), (err: unknown) => err instanceof RepoError && err.reason === 'Locked' && /^the test needs an exclusive lock/.test(err.message));
  await shared.close();
});

test('bad settings and ids are refused with the field named', async () => {
  const store = await freshStore();
  await assert.rejects(Repository.init(store, '', 'pw', { ...FAST, packSize: 10 }), /packSize must be/);
  await assert.rejects(Repository.init(store, '', 'pw', { ...FAST, chunker: { minSize: 512, avgSize: 1000, maxSize: 4096 } }), /avgSize must be a power of two/);
  await assert.rejects(Repository.init(store, '', 'pw', { ...FAST, kdf: { N: 1000, r: 8, p: 1 } }), /N must be a power of two/);
  const repo = await Repository.init(store, '', 'pw', FAST);
  await assert.rejects(repo.loadSnapshot('abc'), (err: unknown) => err instanceof RepoError && err.reason === 'InvalidArgument');
  await assert.rejects(repo.loadSnapshot('ab'.repeat(32)), (err: unknown) => err instanceof RepoError && err.reason === 'NotFound');
  await repo.close();
});
