/** The repository format core against the real MinIO, through an s3:// --repo URL: round trips, tampering, rebuild, locks. */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { CreateBucketCommand, DeleteBucketCommand, GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { Repository, RepoIntegrityError, RepoLock, RepoLockedError, RepoPasswordError, openRepoLocation, type InitOptions } from '../../src/repo/index.ts';
import type { ObjectStore } from '../../src/storage/index.ts';
import { emptyPrefix, listAll } from '../../src/storage/testing/index.ts';
import { testCluster } from '../support/cluster.ts';

const FAST: InitOptions = { kdf: { N: 1024, r: 8, p: 1 }, packSize: 512 * 1024 };
const bucket = `repo-${randomBytes(4).toString('hex')}`;
let store: ObjectStore;
let url = '';

before(async () => {
  const cluster = await testCluster();
  await cluster.s3.send(new CreateBucketCommand({ Bucket: bucket }));
  url = `s3://${bucket}/volumes/ns1?endpoint=${cluster.state.s3.endpoint}&region=${cluster.state.s3.region}&forcePathStyle=true`;
  store = (await openRepoLocation(url, { env: { AWS_SHARED_CREDENTIALS_FILE: cluster.state.s3.credentialsFile } })).store;
});

after(async () => {
  if (!store) return;
  await emptyPrefix(store, '');
  await store.close();
  await (await testCluster()).s3.send(new DeleteBucketCommand({ Bucket: bucket }));
});

const open = async (password = 'pw'): Promise<Repository> => Repository.open(store, 'volumes/ns1/', password, FAST);

test('init over s3://, save across packs, dedupe, snapshot; reopen and read everything back', async () => {
  const repo = await Repository.init(store, 'volumes/ns1', 'pw', FAST);
  const blobs = Array.from({ length: 20 }, (_, i) => (i % 3 ? randomBytes(100 * 1024 + i) : Buffer.alloc(120 * 1024, `text ${i} `)));
  const saved = await Promise.all(blobs.map((b) => repo.saveBlob('data', b)));
  const dup = await Promise.all([repo.saveBlob('data', blobs[1]!), repo.saveBlob('data', blobs[1]!)]);
  assert.deepEqual(dup.map((d) => d.isNew), [false, false]);
  const tree = await repo.saveTree({ nodes: [] });
  const snap = await repo.saveSnapshot({ time: new Date().toISOString(), source: { path: '/data', namespace: 'ns1', pod: 'p', volume: 'v' }, tags: [], tree, hostname: 'h', summary: { files: 0, dirs: 1, totalBytes: 0, bytesRead: 0, newBlobs: 21, newBytesRaw: 0, newBytesStored: 0, errorCount: 0, durationMs: 0 } });
  await repo.close();
  assert.ok(repo.stats.packs >= 3, `${repo.stats.packs} packs`);
  const keys = (await listAll(store, 'volumes/ns1/')).map((o) => o.key.split('/')[2]);
  assert.deepEqual([...new Set(keys)].sort(), ['config', 'data', 'index', 'keys', 'snapshots']);

  const again = await open();
  assert.deepEqual((await again.listSnapshots()).map((s) => s.id), [snap]);
  for (const [i, s] of saved.entries()) assert.deepEqual(Buffer.from(await again.loadBlob('data', s.id)), blobs[i]);
  let i = 0;
  for await (const b of again.loadBlobs(saved.map((s) => s.id))) assert.deepEqual(b.data, blobs[i++]);
  assert.equal(i, blobs.length);
  await again.close();
  await assert.rejects(open('wrong'), RepoPasswordError);
});

test('a changed byte in a pack on MinIO fails that blob only', async () => {
  const repo = await open();
  const loc = [...repo.index.entries()].find((l) => l.type === 'data')!;
  const { s3 } = await testCluster();
  const key = `volumes/ns1/data/${loc.pack.slice(0, 2)}/${loc.pack}`;
  const original = Buffer.from(await (await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }))).Body!.transformToByteArray());
  const changed = Buffer.from(original);
  changed[loc.offset + 20]! ^= 1;
  await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: changed }));
  try {
    await assert.rejects(repo.loadBlob('data', loc.id), (err: unknown) => err instanceof RepoIntegrityError && err.blobId === loc.id && err.pack === loc.pack);
    const other = [...repo.index.entries()].find((l) => l.pack !== loc.pack && l.type === 'data')!;
    assert.equal((await repo.loadBlob('data', other.id)).length, other.rawLength);
  } finally {
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: original }));
  }
  await repo.close();
});

test('index rebuilt from pack headers (ranged reads) after index/ is deleted', async () => {
  const before = await open();
  const count = before.index.size;
  await before.close();
  for (const o of await listAll(store, 'volumes/ns1/index/')) await store.deleteObject(o.key);
  const repo = await open();
  assert.equal(repo.index.size, 0);
  const result = await repo.rebuildIndex();
  assert.equal(result.blobsIndexed, count);
  assert.equal(repo.index.size, count);
  await repo.close();
});

test('locks on MinIO: an exclusive lock is refused while a backup holds a shared one', async () => {
  const backup = await Repository.open(store, 'volumes/ns1/', 'pw', { ...FAST, lock: 'shared' });
  await assert.rejects(Repository.open(store, 'volumes/ns1/', 'pw', { ...FAST, lock: 'exclusive' }), RepoLockedError);
  await backup.close();
  const maint = await RepoLock.acquire(store, 'volumes/ns1/', 'minio', { exclusive: true });
  await maint.release();
  assert.deepEqual(await listAll(store, 'volumes/ns1/locks/'), []);
});
