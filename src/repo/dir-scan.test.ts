/** @module repo/dir-scan.test: listings made on the worker side read like lstat; the archiver through a scanner. */
import assert from 'node:assert/strict';
import { link, lstat, mkdir, mkdtemp, rm, symlink, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { backupDirectory } from './archiver.ts';
import { ScannedStat, scanDirectory, scannedEntries, type DirScanner, type ScannedDir } from './dir-scan.ts';
import { MemoryRepository } from './testing.ts';
import { compareNames } from './tree.ts';

async function tempDir(t: TestContext): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'skiff-dir-scan-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

async function sample(root: string): Promise<void> {
  await mkdir(join(root, 'sub/deeper'), { recursive: true });
  await writeFile(join(root, 'file'), 'content');
  await writeFile(join(root, 'empty'), '');
  await writeFile(join(root, 'ünïcødé'), 'x');
  await writeFile(join(root, '\u{1F600}'), 'above the BMP');
  await writeFile(join(root, 'sub/a'), 'a');
  await writeFile(join(root, 'sub/deeper/b'), 'b');
  await symlink('file', join(root, 'link'));
  await link(join(root, 'file'), join(root, 'sub/hard'));
  await utimes(join(root, 'empty'), new Date('1969-07-20T20:17:40Z'), new Date('1969-07-20T20:17:40.5Z')); // before the epoch
}

test('a scanned listing holds what lstat says of each entry, names in tree order', async (t) => {
  const root = await tempDir(t);
  await sample(root);
  const dir = scanDirectory(root);
  assert.equal(dir.error, undefined);
  assert.deepEqual(dir.names, [...dir.names].sort(compareNames));
  assert.deepEqual([...dir.names].sort(), ['empty', 'file', 'link', 'sub', 'ünïcødé', '\u{1F600}'].sort());
  const entries = scannedEntries(dir);
  for (const [i, name] of dir.names.entries()) {
    const want = await lstat(join(root, name), { bigint: true });
    const got = entries[i]!;
    assert.ok(got instanceof ScannedStat);
    for (const f of ['mode', 'uid', 'gid', 'size', 'blocks', 'ino', 'dev', 'nlink', 'rdev', 'mtimeNs', 'ctimeNs'] as const) assert.equal(got[f], want[f], `${name}.${f}`);
    for (const f of ['isFile', 'isDirectory', 'isSymbolicLink', 'isFIFO', 'isSocket', 'isCharacterDevice', 'isBlockDevice'] as const) assert.equal(got[f](), want[f](), `${name}.${f}()`);
  }
  assert.ok((entries[dir.names.indexOf('empty')] as ScannedStat).mtimeNs < 0n, 'a time before 1970 keeps its sign');
});

test('a listing that fails is an error with its code; a failed entry is an error in its place', async (t) => {
  const root = await tempDir(t);
  await writeFile(join(root, 'plain'), 'x');
  assert.equal(scanDirectory(join(root, 'missing')).error?.code, 'ENOENT');
  assert.equal(scanDirectory(join(root, 'plain')).error?.code, 'ENOTDIR');
  const entries = scannedEntries({ ...scanDirectory(root), failed: [[0, { code: 'EIO', message: 'EIO: broken' }]] });
  assert.deepEqual(entries, [{ code: 'EIO', message: 'EIO: broken' }]);
});

/** A scanner as the repository's workers run it, on this thread, with failures injected by path. */
function scanner(fail: { listing?: string; entry?: string } = {}): DirScanner & { calls: number } {
  const s = {
    calls: 0,
    scanDir: async (path: string): Promise<ScannedDir> => {
      s.calls++;
      if (fail.listing && path.endsWith(fail.listing)) return { names: [], stats: new BigInt64Array(0), failed: [], error: { code: 'EACCES', message: 'EACCES: injected' } };
      const dir = scanDirectory(path);
      const i = fail.entry ? dir.names.findIndex((n) => join(path, n).endsWith(fail.entry!)) : -1;
      return i < 0 ? dir : { ...dir, failed: [[i, { code: 'EIO', message: 'EIO: injected' }]] };
    },
  };
  return s;
}

test('a backup through the scanner makes the same trees as one listing on its own thread', async (t) => {
  const root = await tempDir(t);
  await sample(root);
  const repo = new MemoryRepository();
  const alone = await backupDirectory(repo, root, { parent: null });
  const scan = scanner();
  const scanned = await backupDirectory(Object.assign(repo, { scanner: scan }), root, { parent: null });
  assert.equal(scanned.tree, alone.tree);
  assert.deepEqual(scanned.summary.files, alone.summary.files);
  assert.equal(scan.calls, 3, 'the root, sub/ and sub/deeper/');
});

test('through the scanner, an unlistable directory and an entry lstat fails on are recorded as errors', async (t) => {
  const root = await tempDir(t);
  await sample(root);
  const snap = await backupDirectory(Object.assign(new MemoryRepository(), { scanner: scanner({ listing: '/sub/deeper', entry: '/ünïcødé' }) }), root, { parent: null });
  assert.deepEqual(snap.errors, [
    { path: 'sub/deeper', error: 'EACCES: EACCES: injected' },
    { path: 'ünïcødé', error: 'EIO: EIO: injected' },
  ]);
});

test('an unchanged directory keeps its parent tree without writing it again; a change rewrites its trees up to the root', async (t) => {
  const root = await tempDir(t);
  await sample(root);
  const repo = Object.assign(new MemoryRepository(), { scanner: scanner() });
  const first = await backupDirectory(repo, root, { parent: null });
  const saved: string[] = [];
  const save = repo.saveBlob.bind(repo);
  repo.saveBlob = (type, plain, id) => (saved.push(type), save(type, plain, id));
  const same = await backupDirectory(repo, root);
  assert.equal(same.tree, first.tree);
  assert.deepEqual(saved, [], 'no tree serialized and saved again');
  await writeFile(join(root, 'sub/deeper/b'), 'changed');
  const changed = await backupDirectory(repo, root);
  assert.notEqual(changed.tree, first.tree);
  assert.deepEqual(saved.sort(), ['data', 'tree', 'tree', 'tree'], 'the new content, then deeper/, sub/ and the root');
});
