import assert from 'node:assert/strict';
import { link, mkdir, mkdtemp, open, rm, symlink, utimes, chmod, lutimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import fc from 'fast-check';
import { backupDirectory } from './archiver.ts';
import { restoreSnapshot } from './restorer.ts';
import { MemoryRepository } from './testing.ts';
import { assertSameDisk, describeDisk } from './testing-fs.ts';
import { nameProblem } from './tree.ts';

type Spec =
  | { kind: 'file'; mode: number; mtime: number; data: Uint8Array; repeat: number }
  | { kind: 'sparse'; mode: number; mtime: number; size: number; writes: Array<[number, Uint8Array]> }
  | { kind: 'symlink'; mtime: number; target: string }
  | { kind: 'dir'; mode: number; mtime: number; children: Array<[string, Spec]> };

const name = fc.string({ unit: 'grapheme', minLength: 1, maxLength: 10 }).filter((n) => nameProblem(n) === undefined && n !== 'links');
// 1990…2100, with nanoseconds (set through a double, so what the disk holds is close to, not exactly, this).
const mtime = fc.double({ min: 631_152_000, max: 4_102_444_800, noNaN: true });
// Owners may always read and enter what they back up; the other bits, setgid and sticky included, vary.
const fileMode = fc.integer({ min: 0, max: 0o7777 }).map((m) => (m | 0o600) & ~0o4000);
const dirMode = fc.integer({ min: 0, max: 0o3777 }).map((m) => m | 0o700);

const { entry } = fc.letrec<{ entry: Spec; dir: Spec }>((tie) => ({
  entry: fc.oneof(
    { depthSize: 'small', maxDepth: 3 },
    fc.record({ kind: fc.constant('file' as const), mode: fileMode, mtime, data: fc.uint8Array({ maxLength: 3000 }), repeat: fc.oneof(fc.constant(1), fc.integer({ min: 1, max: 1200 })) }),
    fc.record({
      kind: fc.constant('sparse' as const),
      mode: fileMode,
      mtime,
      size: fc.oneof(fc.integer({ min: 1, max: 600 * 1024 }), fc.integer({ min: 1, max: 24 * 1024 * 1024 })),
      writes: fc.array(fc.tuple(fc.double({ min: 0, max: 1, noNaN: true }), fc.uint8Array({ minLength: 1, maxLength: 5000 })), { maxLength: 3 }),
    }).map((s) => ({ ...s, writes: s.writes.map(([at, b]): [number, Uint8Array] => [Math.floor(at * Math.max(0, s.size - b.length)), b.subarray(0, s.size)]) })),
    fc.record({ kind: fc.constant('symlink' as const), mtime, target: fc.oneof(fc.constant('../../nowhere'), fc.constant('/etc/hostname'), fc.string({ minLength: 1, maxLength: 30 }).filter((t) => !t.includes('\0'))) }),
    tie('dir'),
  ),
  dir: fc.record({ kind: fc.constant('dir' as const), mode: dirMode, mtime, children: fc.uniqueArray(fc.tuple(name, tie('entry')), { selector: ([n]) => n, maxLength: 5 }) }),
}));

const treeArb = fc.record({ children: fc.uniqueArray(fc.tuple(name, entry), { selector: ([n]) => n, minLength: 1, maxLength: 6 }), hardLinks: fc.boolean() });

async function build(dir: string, children: Array<[string, Spec]>, files: string[]): Promise<void> {
  for (const [n, spec] of children) {
    const path = join(dir, n);
    if (spec.kind === 'dir') {
      await mkdir(path);
      await build(path, spec.children, files);
      await chmod(path, spec.mode);
      await utimes(path, spec.mtime, spec.mtime);
    } else if (spec.kind === 'symlink') {
      await symlink(spec.target, path);
      await lutimes(path, spec.mtime, spec.mtime);
    } else {
      const fh = await open(path, 'wx');
      if (spec.kind === 'file') {
        for (let i = 0; i < spec.repeat; i++) await fh.write(spec.data);
      } else {
        await fh.truncate(spec.size);
        for (const [at, bytes] of spec.writes) await fh.write(bytes, 0, bytes.length, at);
      }
      await fh.chmod(spec.mode);
      await fh.close();
      await utimes(path, spec.mtime, spec.mtime);
      files.push(path);
    }
  }
}

test('any tree round-trips: content, modes, owners, mtimes, symlinks, sparse files, hard links, unicode names', async (t) => {
  const base = await mkdtemp(join(tmpdir(), 'skiff-roundtrip-'));
  t.after(() => rm(base, { recursive: true, force: true }));
  let run = 0;
  await fc.assert(
    fc.asyncProperty(treeArb, async ({ children, hardLinks }) => {
      const dir = join(base, String(run++));
      const src = join(dir, 'src');
      await mkdir(src, { recursive: true });
      const files: string[] = [];
      await build(src, children, files);
      if (hardLinks && files.length > 0) {
        await mkdir(join(src, 'links'));
        for (const [i, f] of files.slice(0, 3).entries()) await link(f, join(src, 'links', `l${i}`));
      }
      const repo = new MemoryRepository({ chunker: { minSize: 64 * 1024, avgSize: 256 * 1024, maxSize: 1024 * 1024 } });
      const snap = await backupDirectory(repo, src, { parent: null });
      assert.deepEqual(snap.errors ?? [], []);
      const out = join(dir, 'out');
      const result = await restoreSnapshot(repo, snap.id!, out);
      assert.deepEqual(result.warnings.filter((w) => w.path !== ''), []);
      assertSameDisk(await describeDisk(src), await describeDisk(out));
      await rm(dir, { recursive: true, force: true });
    }),
    { numRuns: Number(process.env.SKIFF_PROPERTY_RUNS ?? 25) }, // more runs on demand: SKIFF_PROPERTY_RUNS=500
  );
});

test('a large sparse file keeps its holes and stores only its data', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'skiff-sparse-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const src = join(dir, 'src');
  await mkdir(src);
  const fh = await open(join(src, 'disk.img'), 'wx');
  await fh.truncate(256 * 1024 * 1024);
  await fh.write(Buffer.alloc(100_000, 1), 0, 100_000, 10 * 1024 * 1024);
  await fh.write(Buffer.alloc(5000, 2), 0, 5000, 256 * 1024 * 1024 - 5000);
  await fh.close();
  await writeFile(join(src, 'zeros-but-dense'), Buffer.alloc(3 * 1024 * 1024));
  const repo = new MemoryRepository();
  const snap = await backupDirectory(repo, src, { parent: null });
  assert.ok(snap.summary.newBytesRaw < 4 * 1024 * 1024, `stored ${snap.summary.newBytesRaw} bytes`);
  const tree = await repo.loadTree(snap.tree);
  const img = tree.nodes.find((n) => n.name === 'disk.img')!;
  assert.ok(img.holes && img.holes.length >= 2, 'holes recorded');
  assert.equal(tree.nodes.find((n) => n.name === 'zeros-but-dense')!.holes, undefined, 'a dense file of zeros has no holes');
  await restoreSnapshot(repo, snap, join(dir, 'out'));
  const [a, b] = [await describeDisk(src), await describeDisk(join(dir, 'out'))];
  assertSameDisk(a, b);
  assert.ok(b.get('disk.img')!.allocated < 2n * 1024n * 1024n, `restored image allocates ${b.get('disk.img')!.allocated} bytes`);
});
