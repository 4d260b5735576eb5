/** @module repo/tamper.test: a changed byte anywhere (pack, index, snapshot, config, key) is a RepoIntegrityError, never wrong data. */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalObjectStore } from '../storage/index.ts';
import { listAll } from '../storage/testing/index.ts';
import { RepoIntegrityError } from './errors.ts';
import { packIdOfKey } from './pack.ts';
import { Repository, type InitOptions } from './repository.ts';
import type { BlobLocation } from './types.ts';

const FAST: InitOptions = { kdf: { N: 1024, r: 8, p: 1 }, packSize: 1024 * 1024 };
const root = await mkdtemp(join(tmpdir(), 'skiff-repo-tamper-'));
after(() => rm(root, { recursive: true, force: true }));

let store: LocalObjectStore;
const data = new Map<string, Buffer>();
let snapshotId = '';
let treeId = '';

before(async () => {
  store = await LocalObjectStore.open({ root, bucket: 'repo', createBucket: true });
  const repo = await Repository.init(store, '', 'pw', FAST);
  for (const b of [randomBytes(100_000), randomBytes(100_000), Buffer.alloc(50_000, 'text text '), Buffer.from('small')]) data.set((await repo.saveBlob('data', b)).id, b);
  treeId = await repo.saveTree({ nodes: [] });
  snapshotId = await repo.saveSnapshot({ time: new Date().toISOString(), source: { path: '/x' }, tags: [], tree: treeId, hostname: 'h', summary: { files: 0, dirs: 0, totalBytes: 0, bytesRead: 0, newBlobs: 0, newBytesRaw: 0, newBytesStored: 0, errorCount: 0, durationMs: 0 } });
  await repo.addPassword('other');
  await repo.close();
});

const fileOf = (key: string): string => join(store.dir, ...key.split('/'));

/** Runs `check` with the byte at `pos` of `key` flipped, then puts the byte back. */
async function withFlipped(key: string, pos: number, check: () => Promise<void>): Promise<void> {
  const original = await readFile(fileOf(key));
  const changed = Buffer.from(original);
  changed[pos] = changed[pos]! ^ 0x40;
  await writeFile(fileOf(key), changed);
  try {
    await check();
  } finally {
    await writeFile(fileOf(key), original);
  }
}

const positions = (size: number): number[] => [...new Set([0, 1, 11, 12, Math.floor(size / 3), Math.floor(size / 2), size - 17, size - 5, size - 4, size - 1])].filter((p) => p >= 0 && p < size);
const isIntegrity = (err: unknown): boolean => err instanceof RepoIntegrityError || assert.fail(`expected a RepoIntegrityError, got ${String(err)}`);
/** A failed open must be the damaged key's integrity error (not a wrong password); false: it did not open. */
const damagedKey = (err: unknown): false => {
  assert.ok(isIntegrity(err) && (err as RepoIntegrityError).kind === 'key', `expected a damaged key, got ${String(err)}`);
  return false;
};

test('a changed pack byte fails exactly the blob it lies in (or the header); other blobs read intact', async () => {
  const repo = await Repository.open(store, '', 'pw', FAST);
  const locations = [...repo.index.entries()];
  for (const o of await listAll(store, 'data/')) {
    const pack = packIdOfKey('', o.key)!;
    const inPack = locations.filter((l) => l.pack === pack);
    for (const pos of positions(o.size)) {
      await withFlipped(o.key, pos, async () => {
        const hit = inPack.find((l: BlobLocation) => pos >= l.offset && pos < l.offset + l.length);
        for (const l of inPack) {
          if (l === hit) await assert.rejects(repo.loadBlob(l.type, l.id), (err: unknown) => isIntegrity(err) && (err as RepoIntegrityError).blobId === l.id, `pos ${pos}`);
          else {
            const got = Buffer.from(await repo.loadBlob(l.type, l.id));
            if (l.type === 'data') assert.deepEqual(got, data.get(l.id));
          }
        }
        if (!hit) await assert.rejects(repo.readPackHeader(pack, o.size), isIntegrity, `header pos ${pos}`);
      });
    }
  }
  await repo.close();
});

test('blobs swapped inside a pack are caught by the id check even though each authenticates', async () => {
  const repo = await Repository.open(store, '', 'pw', FAST);
  const [a, b] = [...repo.index.entries()].filter((l) => l.length === [...repo.index.entries()].find((x) => x.rawLength === 100_000)!.length);
  assert.ok(a && b && a.pack === b.pack, 'two same-size blobs in one pack');
  const key = `data/${a.pack.slice(0, 2)}/${a.pack}`;
  const original = await readFile(fileOf(key));
  const swapped = Buffer.from(original);
  original.copy(swapped, a.offset, b.offset, b.offset + b.length);
  original.copy(swapped, b.offset, a.offset, a.offset + a.length);
  await writeFile(fileOf(key), swapped);
  try {
    await assert.rejects(repo.loadBlob('data', a.id), (err: unknown) => isIntegrity(err) && /its content has id/.test((err as Error).message));
  } finally {
    await writeFile(fileOf(key), original);
  }
  await repo.close();
});

test('a truncated pack is an integrity error naming the pack', async () => {
  const repo = await Repository.open(store, '', 'pw', FAST);
  for (const o of await listAll(store, 'data/')) {
    const pack = packIdOfKey('', o.key)!;
    const last = [...repo.index.entries()].filter((l) => l.pack === pack).sort((x, y) => y.offset - x.offset)[0]!;
    const original = await readFile(fileOf(o.key));
    await writeFile(fileOf(o.key), original.subarray(0, last.offset + 1)); // cut inside the last blob
    try {
      await assert.rejects(repo.loadBlob(last.type, last.id), (err: unknown) => isIntegrity(err) && (err as RepoIntegrityError).pack === pack && /truncated/.test((err as Error).message));
      await assert.rejects(repo.readPackHeader(pack, o.size), isIntegrity);
    } finally {
      await writeFile(fileOf(o.key), original);
    }
  }
  await repo.close();
});

test('a changed index byte fails the open (or is reported with skipDamagedIndex); rebuild repairs it', async () => {
  const [o] = await listAll(store, 'index/');
  for (const pos of positions(o!.size)) {
    await withFlipped(o!.key, pos, async () => {
      await assert.rejects(Repository.open(store, '', 'pw', FAST), (err: unknown) => isIntegrity(err) && (err as RepoIntegrityError).kind === 'index');
    });
  }
  await withFlipped(o!.key, 40, async () => {
    const repo = await Repository.open(store, '', 'pw', { ...FAST, skipDamagedIndex: true });
    assert.equal(repo.indexState.damaged.length, 1);
    assert.equal(repo.index.size, 0);
    const rebuilt = await repo.rebuildIndex();
    assert.deepEqual(rebuilt.indexFilesRemoved, [o!.key.slice('index/'.length)]);
    for (const [id, bytes] of data) assert.deepEqual(Buffer.from(await repo.loadBlob('data', id)), bytes);
    await repo.close();
  });
});

test('a changed snapshot, config or key byte is detected', async () => {
  const repo = await Repository.open(store, '', 'pw', FAST);
  const snap = `snapshots/${snapshotId}`;
  const size = (await readFile(fileOf(snap))).length;
  for (const pos of positions(size)) {
    await withFlipped(snap, pos, async () => {
      await assert.rejects(repo.loadSnapshot(snapshotId), (err: unknown) => isIntegrity(err) && (err as RepoIntegrityError).kind === 'snapshot');
      await assert.rejects(repo.listSnapshots(), isIntegrity);
    });
  }
  await repo.close();
  const configSize = (await readFile(fileOf('config'))).length;
  for (const pos of positions(configSize)) {
    await withFlipped('config', pos, async () => {
      await assert.rejects(Repository.open(store, '', 'pw', FAST), (err: unknown) => isIntegrity(err) && (err as RepoIntegrityError).kind === 'config');
    });
  }
  const keys = await listAll(store, 'keys/');
  assert.equal(keys.length, 2);
  for (const k of keys) {
    for (const pos of positions(k.size)) {
      await withFlipped(k.key, pos, async () => {
        // The other key still opens; when no key opens, the damage is the error, not the password.
        const opened = await Repository.open(store, '', 'pw', FAST).then((r) => r.close().then(() => true), damagedKey);
        const openedOther = await Repository.open(store, '', 'other', FAST).then((r) => r.close().then(() => true), damagedKey);
        assert.ok(opened !== openedOther, `exactly one of the two passwords has its key damaged (${k.key} @${pos})`);
      });
    }
  }
});
