import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmod, chown, lstat, mkdir, mkdtemp, readFile, readdir, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { backupDirectory } from './archiver.ts';
import { RestoreError, restoreSnapshot, type RestoreProgress } from './restorer.ts';
import { ContentMismatchError } from './restore-file.ts';
import { MemoryRepository } from './testing.ts';
import { assertSameDisk, describeDisk } from './testing-fs.ts';
import type { Snapshot, TreeNode } from './types.ts';

async function tempDir(t: TestContext): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'skiff-restorer-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

async function sample(t: TestContext): Promise<{ dir: string; src: string; repo: MemoryRepository; snap: Snapshot }> {
  const dir = await tempDir(t);
  const src = join(dir, 'src');
  await mkdir(join(src, 'a/b'), { recursive: true });
  await mkdir(join(src, 'c'));
  await writeFile(join(src, 'a/b/deep.txt'), 'deep');
  await writeFile(join(src, 'a/sibling'), 'sibling');
  await writeFile(join(src, 'c/other'), 'other');
  await writeFile(join(src, 'top'), 'top');
  const repo = new MemoryRepository();
  return { dir, src, repo, snap: await backupDirectory(repo, src, { parent: null }) };
}

/** A snapshot whose root tree holds exactly `nodes` (as a hostile repository could). */
async function craft(repo: MemoryRepository, nodes: TreeNode[]): Promise<Snapshot> {
  const tree = await repo.saveTree({ nodes });
  const snap: Snapshot = { time: new Date().toISOString(), source: { path: '/x' }, tags: [], tree, hostname: 'h', summary: { files: 0, dirs: 0, totalBytes: 0, bytesRead: 0, newBlobs: 0, newBytesRaw: 0, newBytesStored: 0, errorCount: 0, durationMs: 0 } };
  snap.id = await repo.saveSnapshot(snap);
  return snap;
}

const meta = { mode: 0o644, uid: 0, gid: 0, mtime: '2024-01-01T00:00:00.000000000Z' };

test('hostile names never escape the target', async (t) => {
  const dir = await tempDir(t);
  const repo = new MemoryRepository();
  const { id } = await repo.saveBlob('data', Buffer.from('pwned'));
  const file = (name: string): TreeNode => ({ name, type: 'file', ...meta, size: 5, content: [id] });
  for (const name of ['../escape', '..', '/abs', 'a/../../escape', '.', '', 'nul\0byte']) {
    const snap = await craft(repo, [file('harmless'), file(name)]);
    const target = join(dir, 'target', 'inner');
    await assert.rejects(restoreSnapshot(repo, snap, target), (err: Error) => err instanceof RestoreError && err.reason === 'Unsafe', `name ${JSON.stringify(name)}`);
    assert.deepEqual(await readdir(join(dir, 'target')), ['inner']);
    assert.deepEqual(await readdir(target), [], 'nothing of a refused tree is written');
  }
  // A duplicate name (to swap a directory for a symlink mid-restore) is refused as well.
  const sub = await repo.saveTree({ nodes: [file('x')] });
  const dupTree = { nodes: [{ name: 'd', type: 'symlink', ...meta, linkTarget: '/' }, { name: 'd', type: 'dir', ...meta, subtree: sub }] };
  const { id: dupId } = await repo.saveBlob('tree', Buffer.from(JSON.stringify(dupTree))); // saveTree itself refuses it
  const dup = await craft(repo, []);
  dup.tree = dupId;
  await assert.rejects(restoreSnapshot(repo, dup, join(dir, 'dup')), /twice/);
});

test('an existing symlink in the target is not followed', async (t) => {
  const { dir, repo, snap } = await sample(t);
  const outside = join(dir, 'outside');
  await mkdir(outside);
  const target = join(dir, 'target');
  await mkdir(target);
  await symlink(outside, join(target, 'a')); // where the snapshot has the directory a/
  await symlink(join(outside, 'top'), join(target, 'top')); // where the snapshot has the file top
  await assert.rejects(restoreSnapshot(repo, snap, target), (err: Error) => err instanceof RestoreError && err.reason === 'Exists');
  await restoreSnapshot(repo, snap, target, { overwrite: true });
  assert.deepEqual(await readdir(outside), [], 'nothing written through the symlinks');
  assert.equal(await readFile(join(target, 'a/b/deep.txt'), 'utf8'), 'deep');
  assert.equal(await readFile(join(target, 'top'), 'utf8'), 'top');
});

test('existing files are refused unless overwrite is set', async (t) => {
  const { dir, src, repo, snap } = await sample(t);
  const target = join(dir, 'target');
  await restoreSnapshot(repo, snap, target);
  await writeFile(join(target, 'top'), 'changed');
  await assert.rejects(restoreSnapshot(repo, snap, target), (err: Error) => err instanceof RestoreError && err.reason === 'Exists' && /top|a\/|c\//.test(err.message));
  await restoreSnapshot(repo, snap, target, { overwrite: true });
  assertSameDisk(await describeDisk(src), await describeDisk(target));
});

test('chosen paths restore with their ancestors only', async (t) => {
  const { dir, repo, snap } = await sample(t);
  const target = join(dir, 'target');
  const result = await restoreSnapshot(repo, snap.id!.slice(0, 8), target, { paths: ['/a/b/', 'top'] });
  assert.deepEqual([...(await describeDisk(target)).keys()], ['a', 'a/b', 'a/b/deep.txt', 'top']);
  assert.deepEqual([result.files, result.dirs], [2, 3], 'the target itself counts, as the backup counts its root');
  await assert.rejects(restoreSnapshot(repo, snap, join(dir, 't2'), { paths: ['a/missing'] }), /a\/missing: no such file/);
  await assert.rejects(restoreSnapshot(repo, snap, join(dir, 't3'), { paths: ['a/../../etc'] }), /"\.\." is not allowed/);
});

test('a tampered blob fails the restore', async (t) => {
  const { dir, repo, snap } = await sample(t);
  const tree = await repo.loadTree(snap.tree);
  repo.corrupt(tree.nodes.find((n) => n.name === 'top')!.content![0]!);
  await assert.rejects(restoreSnapshot(repo, snap, join(dir, 'target')), /does not match its id/);
});

test('content that does not fit the declared size is refused', async (t) => {
  const dir = await tempDir(t);
  const repo = new MemoryRepository();
  const { id } = await repo.saveBlob('data', Buffer.from('0123456789'));
  for (const size of [4, 30]) {
    const snap = await craft(repo, [{ name: 'f', type: 'file', ...meta, size, content: [id] }]);
    await assert.rejects(restoreSnapshot(repo, snap, join(dir, `t${size}`)), ContentMismatchError);
  }
});

test('special files are reported, not silently skipped; owners restored as root', async (t) => {
  const dir = await tempDir(t);
  const src = join(dir, 'src');
  await mkdir(src);
  execFileSync('mkfifo', [join(src, 'pipe')]);
  await writeFile(join(src, 'f'), 'x');
  const repo = new MemoryRepository();
  const snap = await backupDirectory(repo, src, { parent: null });
  const progress: RestoreProgress[] = [];
  const result = await restoreSnapshot(repo, snap, join(dir, 'out'), { onProgress: (p) => progress.push(p) });
  assert.deepEqual(
    result.warnings.filter((w) => w.path !== ''),
    [{ path: 'pipe', message: 'FIFO not restored: Node.js cannot create FIFOs (no mkfifo/mknod)' }],
  );
  const asRoot = process.getuid?.() === 0;
  assert.equal(result.warnings.some((w) => /owners/.test(w.message)), !asRoot);
  assert.deepEqual(progress.at(-1), { files: 1, dirs: 1, bytes: 1, totalBytes: 1, elapsedMs: progress.at(-1)!.elapsedMs, done: true });
  const notRoot = await restoreSnapshot(repo, snap, join(dir, 'out2'), { restoreOwners: false });
  assert.equal(notRoot.warnings.filter((w) => /owners/.test(w.message)).length, 1, 'reported once');
});

test('the restore counts directories as the backup does, the target included', async (t) => {
  const { dir, repo, snap } = await sample(t);
  const result = await restoreSnapshot(repo, snap, join(dir, 'target'));
  assert.deepEqual([result.files, result.dirs], [snap.summary.files, snap.summary.dirs]);
  assert.deepEqual([result.files, result.dirs], [4, 4]);
});

test('many subdirectories (read in groups, some sharing a tree) restore; a bad one fails the restore under its path', async (t) => {
  const dir = await tempDir(t);
  const src = join(dir, 'src');
  for (let i = 0; i < 20; i++) {
    const sub = join(src, `d${String(i).padStart(2, '0')}`);
    await mkdir(sub, { recursive: true });
    if (i % 3 !== 0) await writeFile(join(sub, 'f'), `file ${i}`);
  }
  const repo = new MemoryRepository();
  const snap = await backupDirectory(repo, src, { parent: null });
  const out = join(dir, 'out');
  assert.equal((await restoreSnapshot(repo, snap, out)).dirs, 21);
  assertSameDisk(await describeDisk(src), await describeDisk(out));
  // A malformed tree deep in the second group is refused, naming its directory.
  const subtreeOf = async (name: string): Promise<string> => (await repo.loadTree(snap.tree)).nodes.find((n) => n.name === name)!.subtree!;
  const { id: bad } = await repo.saveBlob('tree', Buffer.from(JSON.stringify({ nodes: [{ name: '..', type: 'file', ...meta, size: 0, content: [] }] })));
  const root = await repo.loadTree(snap.tree);
  const hostile = await craft(repo, root.nodes.map((n) => (n.name === 'd17' ? { ...n, subtree: bad } : n)));
  await assert.rejects(restoreSnapshot(repo, hostile, join(dir, 'hostile')), (err: Error) => err instanceof RestoreError && err.reason === 'Unsafe' && /d17/.test(err.message));
  // A tree that does not match its id fails the restore too.
  repo.corrupt(await subtreeOf('d16'));
  await assert.rejects(restoreSnapshot(repo, snap, join(dir, 'corrupt')), /does not match its id/);
});

test('a cancelled restore stops with the abort reason', async (t) => {
  const { dir, repo, snap } = await sample(t);
  const ctl = new AbortController();
  ctl.abort(new Error('stop now'));
  await assert.rejects(restoreSnapshot(repo, snap, join(dir, 'target'), { signal: ctl.signal }), /stop now/);
});

test('small and large files get their exact mode and owner whether or not the umask leaves the mode whole', async (t) => {
  const dir = await tempDir(t);
  const src = join(dir, 'src');
  await mkdir(src);
  const asRoot = process.getuid?.() === 0;
  // 0o640 and 0o600 pass a 022 umask whole (given at creation); 0o666 and 0o777 do not; 0o4755 and 0o1644 have special bits.
  const cases: Array<[string, number, number, number]> = [
    ['private', 0o600, 0, 0],
    ['group', 0o640, 1234, 5678],
    ['open', 0o666, 0, 5678],
    ['exec', 0o777, 1234, 0],
    ['setuid', 0o4755, 1234, 5678],
    ['sticky', 0o1644, 0, 0],
    // Past the small-file size: written through a file handle, as large files are.
    ['large-group', 0o640, 1234, 5678],
    ['large-setuid', 0o4755, 1234, 5678],
  ];
  for (const [name, mode, uid, gid] of cases) {
    await writeFile(join(src, name), name.startsWith('large') ? randomBytes(3 * 1024 * 1024) : name);
    if (asRoot) await chown(join(src, name), uid, gid);
    await chmod(join(src, name), mode); // after chown, which clears setuid
  }
  const repo = new MemoryRepository();
  const snap = await backupDirectory(repo, src, { parent: null });
  const out = join(dir, 'out');
  await restoreSnapshot(repo, snap, out);
  for (const [name, mode, uid, gid] of cases) {
    const st = await lstat(join(out, name));
    assert.equal((st.mode & 0o7777).toString(8), mode.toString(8), `${name}: mode`);
    if (asRoot) assert.deepEqual([st.uid, st.gid], [uid, gid], `${name}: owner`);
  }
  assertSameDisk(await describeDisk(src), await describeDisk(out));
});
