/** @module repo/archiver-repository.test: backup and restore through the real Repository on a local-directory store. */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { link, mkdir, mkdtemp, open, readdir, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { LocalObjectStore } from '../storage/index.ts';
import { backupDirectory } from './archiver.ts';
import { RepoIntegrityError } from './errors.ts';
import { Repository, type InitOptions } from './repository.ts';
import { restoreSnapshot } from './restorer.ts';
import { findSnapshot } from './snapshot-ops.ts';
import { assertSameDisk, describeDisk } from './testing-fs.ts';

const root = await mkdtemp(join(tmpdir(), 'skiff-archiver-repo-'));
after(() => rm(root, { recursive: true, force: true }));

/** Cheap scrypt, small chunks and packs, so a few MiB make several of each. */
const FAST: InitOptions = { kdf: { N: 1024, r: 8, p: 1 }, packSize: 1024 * 1024, chunker: { minSize: 64 * 1024, avgSize: 256 * 1024, maxSize: 1024 * 1024 } };

let n = 0;
async function setup(): Promise<{ store: LocalObjectStore; repo: Repository; src: string; work: string }> {
  const work = join(root, String(n++));
  const src = join(work, 'src');
  await mkdir(join(src, 'dir/sub'), { recursive: true });
  await writeFile(join(src, 'big'), randomBytes(6 * 1024 * 1024));
  await writeFile(join(src, 'empty'), '');
  await writeFile(join(src, 'dir/ünïcødé 名前'), 'text '.repeat(1000));
  for (let i = 0; i < 30; i++) await writeFile(join(src, 'dir/sub', `small-${i}`), randomBytes(i * 37));
  await symlink('../big', join(src, 'dir/link'));
  await symlink('nowhere', join(src, 'dangling'));
  await link(join(src, 'big'), join(src, 'dir/hard'));
  const fh = await open(join(src, 'sparse'), 'wx');
  await fh.truncate(64 * 1024 * 1024);
  await fh.write(Buffer.from('in the middle'), 0, 13, 32 * 1024 * 1024);
  await fh.close();
  const store = await LocalObjectStore.open({ root: work, bucket: 'bucket', createBucket: true });
  const repo = await Repository.init(store, 'repo', 'secret', FAST);
  return { store, repo, src, work };
}

test('a tree round-trips through the real repository, also after reopening it', async () => {
  const { store, repo, src, work } = await setup();
  const snap = await backupDirectory(repo, src);
  assert.deepEqual(snap.errors ?? [], []);
  await repo.close();
  const reopened = await Repository.open(store, 'repo', 'secret');
  const found = await findSnapshot(reopened, snap.id!.slice(0, 10));
  assert.equal(found.tree, snap.tree);
  await restoreSnapshot(reopened, found, join(work, 'out'));
  assertSameDisk(await describeDisk(src), await describeDisk(join(work, 'out')));
  await reopened.close();
  await store.close();
});

test('trees go to packs of their own, a large tree too: every pack holds one type of blob', async () => {
  const { store, repo, src } = await setup();
  // 2,000 names make a directory whose tree is over 64 KiB, which takes the large-blob path.
  await mkdir(join(src, 'wide'));
  for (let i = 0; i < 2000; i++) await writeFile(join(src, 'wide', `a-rather-long-file-name-to-make-a-wide-tree-${i}`), '');
  await backupDirectory(repo, src);
  const types = new Map<string, Set<string>>();
  let largest = 0;
  for (const loc of repo.index.entries()) {
    if (!types.has(loc.pack)) types.set(loc.pack, new Set());
    types.get(loc.pack)!.add(loc.type);
    if (loc.type === 'tree') largest = Math.max(largest, loc.rawLength);
  }
  assert.ok(largest > 64 * 1024, `a tree of ${largest} bytes`);
  for (const [pack, t] of types) assert.equal(t.size, 1, `pack ${pack} holds ${[...t].join(' and ')} blobs`);
  assert.ok([...types.values()].some((t) => t.has('tree')) && [...types.values()].some((t) => t.has('data')));
  await repo.close();
  await store.close();
});

test('an incremental backup through the real repository stores only the changed chunks', async () => {
  const { store, repo, src, work } = await setup();
  const first = await backupDirectory(repo, src);
  const fh = await open(join(src, 'big'), 'r+');
  await fh.write(randomBytes(100), 0, 100, 3 * 1024 * 1024);
  await fh.close();
  const second = await backupDirectory(repo, src);
  assert.equal(second.parent, first.id);
  assert.equal(second.summary.bytesRead, 6 * 1024 * 1024, 'only the changed file is read');
  assert.ok(second.summary.newBytesRaw <= 3 * 1024 * 1024, `new bytes: ${second.summary.newBytesRaw}`);
  await restoreSnapshot(repo, second, join(work, 'out'));
  assertSameDisk(await describeDisk(src), await describeDisk(join(work, 'out')));
  await repo.close();
  await store.close();
});

test('small files restore with a ranged read per run of blobs, not one per file', async () => {
  const { store, repo, src, work } = await setup();
  const snap = await backupDirectory(repo, src);
  await repo.close();
  const reopened = await Repository.open(store, 'repo', 'secret');
  const realRange = store.getObjectRange.bind(store);
  let ranged = 0;
  store.getObjectRange = (...args) => (ranged++, realRange(...args));
  await restoreSnapshot(reopened, snap, join(work, 'out'), { paths: ['dir/sub'] });
  assertSameDisk(await describeDisk(join(src, 'dir/sub')), await describeDisk(join(work, 'out/dir/sub')));
  // 29 data blobs back to back in one pack (small-0 is empty), and the trees: the root and dir/ to check the
  // path, then root, dir/ and dir/sub/ for the restore.
  assert.ok(ranged <= 8, `${ranged} ranged reads for 30 small files`);
  await reopened.close();
  await store.close();
});

test('a changed byte in a pack fails the restore', async () => {
  const { store, repo, src, work } = await setup();
  const snap = await backupDirectory(repo, src);
  await repo.close();
  const dataDir = join(work, 'bucket', 'repo', 'data');
  const sub = (await readdir(dataDir))[0]!;
  const pack = join(dataDir, sub, (await readdir(join(dataDir, sub)))[0]!);
  const fh = await open(pack, 'r+');
  const b = Buffer.alloc(1);
  await fh.read(b, 0, 1, 100);
  b[0] = b[0]! ^ 0x01;
  await fh.write(b, 0, 1, 100);
  await fh.close();
  const reopened = await Repository.open(store, 'repo', 'secret');
  await assert.rejects(restoreSnapshot(reopened, snap, join(work, 'out')), RepoIntegrityError);
  await reopened.close();
  await store.close();
});
