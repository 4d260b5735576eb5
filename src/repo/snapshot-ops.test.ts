import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SnapshotLookupError, filterSnapshots, findNode, findParentSnapshot, findSnapshot, pickSnapshot, sameSource, splitSnapshotPath, walkSnapshot } from './snapshot-ops.ts';
import { MemoryRepository } from './testing.ts';
import type { Snapshot, SnapshotSource } from './types.ts';

const summary = { files: 0, dirs: 0, totalBytes: 0, bytesRead: 0, newBlobs: 0, newBytesRaw: 0, newBytesStored: 0, errorCount: 0, durationMs: 0 };

async function seed(): Promise<{ repo: MemoryRepository; tree: string; snaps: Snapshot[] }> {
  const repo = new MemoryRepository();
  const meta = { mode: 0o644, uid: 0, gid: 0, mtime: '2024-01-01T00:00:00Z' };
  const sub = await repo.saveTree({ nodes: [{ name: 'f', type: 'file', ...meta, size: 0, content: [] }] });
  const tree = await repo.saveTree({ nodes: [{ name: 'd', type: 'dir', ...meta, subtree: sub }, { name: 'l', type: 'symlink', ...meta, linkTarget: 'd/f' }] });
  const vol = (volume: string): SnapshotSource => ({ path: '/data', namespace: 'ns', pod: 'p', volume });
  const snaps: Snapshot[] = [];
  for (const [time, source, tags] of [
    ['2024-01-01T00:00:00.000Z', vol('a'), ['x']],
    ['2024-01-03T00:00:00.000Z', vol('a'), []],
    ['2024-01-02T00:00:00.000Z', vol('b'), ['x', 'y']],
  ] as const) {
    const s: Snapshot = { time, source, tags: [...tags], tree, hostname: 'h', summary };
    s.id = await repo.saveSnapshot(s);
    snaps.push(s);
  }
  return { repo, tree, snaps };
}

test('the parent is the latest snapshot of the same source', async () => {
  const { repo, snaps } = await seed();
  assert.equal((await findParentSnapshot(repo, snaps[0]!.source))?.id, snaps[1]!.id);
  assert.equal((await findParentSnapshot(repo, { ...snaps[0]!.source, volume: 'b' }))?.id, snaps[2]!.id);
  assert.equal(await findParentSnapshot(repo, { path: '/other' }), undefined);
  assert.ok(sameSource({ path: '/x' }, { path: '/x', host: '' }));
  assert.ok(!sameSource({ path: '/x', pod: 'a' }, { path: '/x', pod: 'b' }));
});

test('filters by source fields, tags and host', async () => {
  const { snaps } = await seed();
  assert.deepEqual(filterSnapshots(snaps, { tags: ['x'] }).map((s) => s.source.volume), ['a', 'b']);
  assert.deepEqual(filterSnapshots(snaps, { source: { volume: 'a' } }).length, 2);
  assert.deepEqual(filterSnapshots(snaps, { hostname: 'other' }), []);
});

test('snapshots by id, prefix or latest', async () => {
  const { repo, snaps } = await seed();
  assert.equal((await findSnapshot(repo, snaps[2]!.id!)).id, snaps[2]!.id);
  assert.equal((await findSnapshot(repo, snaps[0]!.id!.slice(0, 12))).id, snaps[0]!.id);
  assert.equal((await findSnapshot(repo, 'latest')).id, snaps[1]!.id);
  await assert.rejects(findSnapshot(repo, 'ffff'.repeat(16)), (e: Error) => e instanceof SnapshotLookupError && e.reason === 'NotFound');
  await assert.rejects(findSnapshot(repo, 'xyz'), /not a hex id/);
  await assert.rejects(findSnapshot(new MemoryRepository(), 'latest'), /no snapshots/);
});

test('an id or prefix reads one snapshot, not all of them', async () => {
  const { repo, snaps } = await seed();
  repo.listSnapshots = () => assert.fail('every snapshot read');
  assert.equal((await findSnapshot(repo, snaps[2]!.id!)).id, snaps[2]!.id);
  assert.equal((await findSnapshot(repo, snaps[1]!.id!.slice(0, 6))).tree, snaps[1]!.tree);
  await assert.rejects(findSnapshot(repo, 'ffff'.repeat(16)), (e: Error) => e instanceof SnapshotLookupError && e.reason === 'NotFound' && /no snapshot/.test(e.message));
});

test('picking from a list: id, unique prefix, latest; ambiguity and malformed references refused', () => {
  const list = [{ id: `abcd1${'0'.repeat(59)}` }, { id: `abcd2${'0'.repeat(59)}` }, { id: `ef${'0'.repeat(62)}` }];
  assert.equal(pickSnapshot(list, 'abcd2'), list[1]);
  assert.equal(pickSnapshot(list, list[0]!.id), list[0]);
  assert.equal(pickSnapshot(list, 'latest'), list[2]);
  assert.throws(() => pickSnapshot(list, 'abcd'), (e: Error) => e instanceof SnapshotLookupError && e.reason === 'Ambiguous' && /matches 2/.test(e.message));
  assert.throws(() => pickSnapshot(list, 'abc'), /not a hex id/);
  assert.throws(() => pickSnapshot(list, '0000'), (e: Error) => e instanceof SnapshotLookupError && e.reason === 'NotFound');
  assert.throws(() => pickSnapshot([], 'latest'), /no snapshots/);
});

test('paths and walking', async () => {
  const { repo, tree } = await seed();
  assert.deepEqual(splitSnapshotPath('/d//f/'), ['d', 'f']);
  assert.throws(() => splitSnapshotPath('d/../..'), /not allowed/);
  assert.equal((await findNode(repo, tree, ['d', 'f']))?.type, 'file');
  await assert.rejects(findNode(repo, tree, ['l', 'x']), /l: not a directory/);
  await assert.rejects(findNode(repo, tree, ['nope']), /nope: no such file/);
  const paths: string[] = [];
  for await (const { path } of walkSnapshot(repo, tree)) paths.push(path);
  assert.deepEqual(paths, ['d', 'd/f', 'l']);
});
