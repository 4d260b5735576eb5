import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmod, link, lstat, mkdir, mkdtemp, open, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { backupDirectory, matchByName, type BackupProgress } from './archiver.ts';
import { walkSnapshot } from './snapshot-ops.ts';
import { MemoryRepository } from './testing.ts';
import { formatTime } from './tree.ts';
import { nodeArchiverFs, type ArchiverFs } from './walk.ts';
import type { TreeNode } from './types.ts';

const CHUNKS = { minSize: 64 * 1024, avgSize: 256 * 1024, maxSize: 1024 * 1024 };

async function tempDir(t: TestContext): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'skiff-archiver-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

/** The real file system, with every file the archiver opens recorded (and some made to fail). */
function spyFs(fail: Record<string, string> = {}): ArchiverFs & { opened: string[] } {
  const real = nodeArchiverFs();
  const opened: string[] = [];
  const failing = (path: string): void => {
    const code = Object.entries(fail).find(([suffix]) => path.endsWith(suffix))?.[1];
    if (code) throw Object.assign(new Error(`${code}: injected, ${path}`), { code });
  };
  return {
    opened,
    readdir: (p) => (failing(p), real.readdir(p)),
    lstat: (p) => real.lstat(p),
    readlink: (p) => real.readlink(p),
    readSmall: (p, buf) => {
      opened.push(p);
      failing(p);
      return real.readSmall(p, buf);
    },
    openFile: async (p) => {
      opened.push(p);
      failing(p);
      return real.openFile(p);
    },
  };
}

async function nodes(repo: MemoryRepository, tree: string): Promise<Map<string, TreeNode>> {
  const out = new Map<string, TreeNode>();
  for await (const { path, node } of walkSnapshot(repo, tree)) out.set(path, node);
  return out;
}

test('records metadata exactly: nanosecond mtimes, modes, owners, symlink targets, special files', async (t) => {
  const src = await tempDir(t);
  await writeFile(join(src, 'f'), 'data');
  await symlink('does/not/exist', join(src, 'dangling'));
  await mkdir(join(src, 'd'));
  await chmod(join(src, 'd'), 0o2750);
  execFileSync('mkfifo', [join(src, 'pipe')]);
  const repo = new MemoryRepository();
  const snap = await backupDirectory(repo, src, { parent: null, tags: ['x'], source: { namespace: 'ns', pod: 'p', volume: 'v' }, hostname: 'h' });
  const byPath = await nodes(repo, snap.tree);
  const st = await lstat(join(src, 'f'), { bigint: true });
  assert.equal(byPath.get('f')!.mtime, formatTime(st.mtimeNs));
  assert.equal(byPath.get('f')!.mode, Number(st.mode) & 0o7777);
  assert.deepEqual([byPath.get('f')!.uid, byPath.get('f')!.gid], [Number(st.uid), Number(st.gid)]);
  assert.equal(byPath.get('dangling')!.linkTarget, 'does/not/exist');
  assert.equal(byPath.get('d')!.mode, 0o2750);
  assert.equal(byPath.get('pipe')!.type, 'fifo');
  assert.deepEqual(snap.source, { host: 'h', namespace: 'ns', pod: 'p', volume: 'v', path: src });
  assert.deepEqual([snap.tags, snap.summary.files, snap.summary.dirs, snap.summary.totalBytes], [['x'], 1, 2, 4]);
  assert.deepEqual(await repo.loadSnapshot(snap.id!), snap);
});

test('an incremental backup reads only the changed file and stores only the chunks around the change', async (t) => {
  const src = await tempDir(t);
  const big = randomBytes(8 * 1024 * 1024);
  await writeFile(join(src, 'big'), big);
  await mkdir(join(src, 'many'));
  for (let i = 0; i < 50; i++) await writeFile(join(src, 'many', `f${i}`), `small file ${i}`);
  const repo = new MemoryRepository({ chunker: CHUNKS });
  const first = await backupDirectory(repo, src);
  assert.equal(first.parent, undefined);

  const fh = await open(join(src, 'big'), 'r+');
  await fh.write(Buffer.from('a small edit in the middle'), 0, 26, 4 * 1024 * 1024);
  await fh.close();
  repo.resetCounters();
  const fs = spyFs();
  const second = await backupDirectory(repo, src, { fs });
  assert.equal(second.parent, first.id, 'the latest snapshot of the same source is the parent');
  assert.deepEqual(fs.opened, [join(src, 'big')], 'only the changed file is read');
  assert.equal(second.summary.bytesRead, big.length);
  // The chunk with the edit (and perhaps its neighbours until the boundaries resynchronise) and the root tree.
  assert.ok(second.summary.newBlobs <= 5, `new blobs: ${second.summary.newBlobs}`);
  assert.ok(second.summary.newBytesRaw <= 3 * CHUNKS.maxSize, `new bytes: ${second.summary.newBytesRaw}`);
  const treeBytes = [...repo.blobs.values()].filter((b) => b.type === 'tree').reduce((sum, b) => sum + b.data.length, 0);
  assert.ok(repo.counters.newBytes <= 3 * CHUNKS.maxSize + treeBytes, `the repository stored ${repo.counters.newBytes} new bytes`);
  const [a, b] = [await nodes(repo, first.tree), await nodes(repo, second.tree)];
  assert.equal(b.get('many')!.subtree, a.get('many')!.subtree, 'an unchanged directory keeps its tree id');
  const shared = a.get('big')!.content!.filter((id) => b.get('big')!.content!.includes(id));
  assert.ok(shared.length >= a.get('big')!.content!.length - 2, 'chunks away from the edit are reused');
});

test('an unchanged tree is not read at all and gives the same root tree', async (t) => {
  const src = await tempDir(t);
  await mkdir(join(src, 'a/b'), { recursive: true });
  await writeFile(join(src, 'a/b/c'), randomBytes(300_000));
  await writeFile(join(src, 'top'), 'x');
  const repo = new MemoryRepository({ chunker: CHUNKS });
  const first = await backupDirectory(repo, src);
  repo.resetCounters();
  // A file that could not even be opened now proves it is not read.
  const fs = spyFs({ '/a/b/c': 'EACCES', '/top': 'EACCES' });
  const second = await backupDirectory(repo, src, { fs });
  assert.deepEqual(fs.opened, []);
  assert.equal(second.tree, first.tree);
  assert.deepEqual([second.summary.bytesRead, second.summary.newBlobs, second.summary.totalBytes], [0, 0, 300_001]);
  assert.deepEqual(repo.counters, { newBlobs: 0, newBytes: 0 }, 'not even a tree is new');
  // Without a parent everything is read again (and now fails, recorded).
  const third = await backupDirectory(repo, src, { fs, parent: null });
  assert.equal(third.summary.errorCount, 2);
});

test('the parent trees of many subdirectories are read in groups, each id once; an unreadable one costs only its directory', async (t) => {
  const src = await tempDir(t);
  const names = Array.from({ length: 40 }, (_, i) => `d${String(i).padStart(2, '0')}`);
  for (const [i, name] of names.entries()) {
    await mkdir(join(src, name));
    if (i % 3 !== 0) for (let j = 0; j < 3; j++) await writeFile(join(src, name, `f${j}`), `${name}/${j}`);
  }
  const repo = new MemoryRepository();
  const first = await backupDirectory(repo, src);
  const top = async (tree: string): Promise<Map<string, TreeNode>> => new Map((await repo.loadTree(tree)).nodes.map((n) => [n.name, n]));
  const before = await top(first.tree);
  repo.corrupt(before.get('d35')!.subtree!); // in the second group
  const batches: string[][] = [];
  const loadBlobs = repo.loadBlobs.bind(repo);
  repo.loadBlobs = (ids, opts) => {
    const list = [...ids];
    batches.push(list);
    return loadBlobs(list, opts);
  };
  const fs = spyFs();
  const second = await backupDirectory(repo, src, { fs });
  assert.deepEqual(fs.opened.sort(), ['f0', 'f1', 'f2'].map((f) => join(src, 'd35', f)), 'only the files under the unreadable tree are read');
  assert.equal(second.summary.bytesRead, 3 * 'd35/0'.length);
  const after = await top(second.tree);
  for (const name of names) assert.equal(after.get(name)!.subtree, before.get(name)!.subtree, `${name} keeps its tree id`);
  // The root, then the subdirectories 32 and 8 at a time; the empty ones (11 and 3) share one tree, asked for once.
  assert.deepEqual(batches.map((b) => b.length), [1, 22, 6]);
  for (const b of batches) assert.equal(new Set(b).size, b.length);
});

test('entries that cannot be read are recorded with the reason, never dropped silently', async (t) => {
  const src = await tempDir(t);
  await mkdir(join(src, 'locked'));
  await writeFile(join(src, 'locked/inside'), 'x');
  await writeFile(join(src, 'secret'), 'x');
  await writeFile(join(src, 'fine'), 'ok');
  const repo = new MemoryRepository();
  const snap = await backupDirectory(repo, src, { parent: null, fs: spyFs({ '/locked': 'EACCES', '/secret': 'EIO' }) });
  assert.deepEqual(snap.errors, [
    { path: 'locked', error: `EACCES: EACCES: injected, ${join(src, 'locked')}` },
    { path: 'secret', error: `EIO: EIO: injected, ${join(src, 'secret')}` },
  ]);
  assert.equal(snap.summary.errorCount, 2);
  assert.deepEqual([...(await nodes(repo, snap.tree)).keys()], ['fine']);
});

test('hard links are read once and keep their inode for the restore', async (t) => {
  const src = await tempDir(t);
  await writeFile(join(src, 'one'), randomBytes(200_000));
  await mkdir(join(src, 'd'));
  await link(join(src, 'one'), join(src, 'd/two'));
  const fs = spyFs();
  const repo = new MemoryRepository({ chunker: CHUNKS });
  const snap = await backupDirectory(repo, src, { parent: null, fs });
  assert.equal(fs.opened.length, 1);
  const byPath = await nodes(repo, snap.tree);
  const [one, two] = [byPath.get('one')!, byPath.get('d/two')!];
  assert.deepEqual(two.content, one.content);
  assert.deepEqual([one.links, two.links, two.inode, two.device], [2, 2, one.inode, one.device]);
});

test('progress is reported, the last call marked done', async (t) => {
  const src = await tempDir(t);
  for (let i = 0; i < 20; i++) await writeFile(join(src, `f${i}`), randomBytes(1000));
  const calls: BackupProgress[] = [];
  await backupDirectory(new MemoryRepository(), src, { parent: null, onProgress: (p) => calls.push(p), progressIntervalMs: 0 });
  const last = calls.at(-1)!;
  assert.deepEqual([last.done, last.files, last.bytesDone, last.bytesRead, last.newBytes, last.dirs], [true, 20, 20_000, 20_000, 20_000, 1]);
  assert.ok(calls.length > 2);
});

test('a cancelled backup stops with the abort reason and saves no snapshot', async (t) => {
  const src = await tempDir(t);
  for (let i = 0; i < 50; i++) await writeFile(join(src, `f${i}`), randomBytes(100));
  const repo = new MemoryRepository();
  const ctl = new AbortController();
  const fs = spyFs();
  const readSmall = fs.readSmall;
  fs.readSmall = (p, buf) => {
    if (fs.opened.length === 10) ctl.abort(new Error('stop now'));
    return readSmall(p, buf);
  };
  await assert.rejects(backupDirectory(repo, src, { parent: null, fs, signal: ctl.signal }), /stop now/);
  assert.equal(repo.snapshots.size, 0);
});

test('the source must be a directory', async (t) => {
  const src = await tempDir(t);
  await writeFile(join(src, 'f'), 'x');
  await assert.rejects(backupDirectory(new MemoryRepository(), join(src, 'f')), /not a directory/);
});

test('the parent snapshot\'s nodes are matched to a listing by name, in one pass or, for a tree out of order, through a map', () => {
  const n = (name: string): TreeNode => ({ name, type: 'file', mode: 0o644, uid: 0, gid: 0, mtime: '2024-01-01T00:00:00Z', size: 0, content: [] });
  const names = ['a', 'b', 'd', 'ü', '\u{1F600}'];
  const sorted = ['a', 'c', 'd', '\u{1F600}'].map(n);
  assert.deepEqual(matchByName(names, sorted).map((x) => x?.name), ['a', undefined, 'd', undefined, '\u{1F600}']);
  const shuffled = ['\u{1F600}', 'd', 'c', 'a'].map(n);
  assert.deepEqual(matchByName(names, shuffled).map((x) => x?.name), ['a', undefined, 'd', undefined, '\u{1F600}']);
  assert.deepEqual(matchByName([], sorted), []);
  assert.deepEqual(matchByName(names, []).map((x) => x?.name), [undefined, undefined, undefined, undefined, undefined]);
});
