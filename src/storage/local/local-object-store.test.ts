/** @module storage/local/local-object-store.test: the ObjectStore contract on a temp directory, and what only a directory can get wrong. */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isStorageError } from '../errors.ts';
import { objectStoreContract, listAll } from '../testing/contract.ts';
import { generatedStream, readAll } from '../testing/streams.ts';
import { LocalObjectStore } from './local-object-store.ts';
import { TEMP_PREFIX } from './paths.ts';

const root = await mkdtemp(join(tmpdir(), 'skiff-local-store-'));
after(() => rm(root, { recursive: true, force: true }));

/** Every file and directory name under `dir`, recursively. */
async function namesUnder(dir: string): Promise<string[]> {
  return (await readdir(dir, { recursive: true })).map(String);
}

objectStoreContract('local', () => LocalObjectStore.open({ root, bucket: 'contract', createBucket: true }), {
  missingBucket: () => LocalObjectStore.open({ root, bucket: 'no-such-bucket' }),
  assertNoUploadLeftovers: async (store) => {
    const temps = (await namesUnder((store as LocalObjectStore).dir)).filter((n) => n.split('/').some((s) => s.startsWith(TEMP_PREFIX)));
    assert.deepEqual(temps, [], 'no temporary file is left behind');
  },
  maxBufferedBytes: 8 * 1024 * 1024,
});

const open = (bucket: string): Promise<LocalObjectStore> => LocalObjectStore.open({ root, bucket, createBucket: true });

test('local: keys that would escape or cannot be files are rejected with InvalidKey', async () => {
  const store = await open('keys');
  for (const key of ['../escape', 'a/../../b', '/abs', 'back\\slash', 'a//b', 'dir/', './a', `${TEMP_PREFIX}x`, `a/${'x'.repeat(256)}`, '']) {
    await assert.rejects(store.putObject(key, 'x'), (err: unknown) => isStorageError(err, 'InvalidKey'), key);
    await assert.rejects(store.getObject(key), (err: unknown) => isStorageError(err, 'InvalidKey'), key);
  }
  await assert.rejects(listAll(store, '../'), (err: unknown) => isStorageError(err, 'InvalidKey'));
  await assert.rejects(store.listCommonPrefixes('/etc/', '/'), (err: unknown) => isStorageError(err, 'InvalidKey'));
  await store.putObject('a..b/c..d', 'dots inside a name are fine');
  assert.equal(await store.objectExists('a..b/c..d'), true);
});

test('local: a write is atomic: readers see the old object until the rename', async () => {
  const store = await open('atomic');
  await store.putObject('obj', 'old');
  const body = await generatedStream(4 * 1024 * 1024, { delayMs: 1 });
  const writing = store.putObject('obj', body.stream);
  await new Promise((r) => setTimeout(r, 30));
  assert.equal((await readAll(await store.getObject('obj'))).toString(), 'old', 'the old bytes while the new ones are written');
  const names = await namesUnder(store.dir);
  assert.ok(names.some((n) => n.startsWith(TEMP_PREFIX)), `a temp file exists meanwhile: ${names.join(', ')}`);
  assert.deepEqual((await listAll(store, '')).map((o) => o.key), ['obj'], 'temp files are never listed');
  await writing;
  assert.equal((await readAll(await store.getObject('obj'))).length, 4 * 1024 * 1024);
  assert.deepEqual(await namesUnder(store.dir), ['obj']);
});

test('local: deletes prune empty parent directories up to the bucket, and no further', async () => {
  const store = await open('prune');
  await store.putObject('backups/b1/velero-backup.json', '{}');
  await store.putObject('backups/b2/velero-backup.json', '{}');
  await store.deleteObject('backups/b1/velero-backup.json');
  assert.deepEqual((await namesUnder(store.dir)).sort(), ['backups', 'backups/b2', 'backups/b2/velero-backup.json']);
  await store.deleteObject('backups/b2/velero-backup.json');
  assert.deepEqual(await namesUnder(store.dir), [], 'the bucket directory itself stays');
  assert.deepEqual(await store.listCommonPrefixes('', '/'), []);
});

test('local: empty directories and stray temp files are not common prefixes', async () => {
  const store = await open('stray');
  await mkdir(join(store.dir, 'empty', 'deeper'), { recursive: true });
  await mkdir(join(store.dir, 'only-temp'), { recursive: true });
  await writeFile(join(store.dir, 'only-temp', `${TEMP_PREFIX}abc`), 'half');
  await store.putObject('real/x', 'x');
  assert.deepEqual(await store.listCommonPrefixes('', '/'), ['real/']);
});

test('local: order is S3 order (UTF-8 bytes, a directory sorts as name/)', async () => {
  const store = await open('order');
  const keys = ['a-b', 'a/x', 'a0', 'B', 'é', 'z/ü/1'];
  for (const k of keys) await store.putObject(k, k);
  assert.deepEqual((await listAll(store, '')).map((o) => o.key), ['B', 'a-b', 'a/x', 'a0', 'z/ü/1', 'é']);
});

test('local: other delimiters are derived from the listing', async () => {
  const store = await open('delims');
  for (const k of ['d/x-1', 'd/x-2', 'd/y', 'd/z-9/q']) await store.putObject(k, k);
  assert.deepEqual(await store.listCommonPrefixes('d/', '-'), ['d/x-', 'd/z-']);
  assert.deepEqual(await store.listCommonPrefixes('d/', ''), []);
});

test('local: a key under an existing object fails clearly, and so does an object over a directory', async () => {
  const store = await open('conflict');
  await store.putObject('file', 'x');
  await assert.rejects(store.putObject('file/child', 'y'), (err: unknown) => isStorageError(err, 'InvalidKey') && /parent of the key is a file/.test((err as Error).message));
  await store.putObject('dir/child', 'y');
  await assert.rejects(store.putObject('dir', 'z'), (err: unknown) => isStorageError(err) && /dir/.test((err as Error).message));
  await store.deleteObject('dir'); // a directory is not an object: nothing to delete
  assert.equal(await store.objectExists('dir/child'), true);
  assert.deepEqual((await namesUnder(store.dir)).filter((n) => n.includes(TEMP_PREFIX)), []);
});

test('local: the root must be absolute and the bucket a single name', async () => {
  await assert.rejects(LocalObjectStore.open({ root: 'relative/dir', bucket: 'b' }), (err: unknown) => isStorageError(err, 'InvalidConfig'));
  for (const bucket of ['', '..', 'a/b', 'a\\b']) {
    await assert.rejects(LocalObjectStore.open({ root, bucket }), (err: unknown) => isStorageError(err, 'InvalidConfig'), bucket);
  }
});

test('local: signed URLs are file:// URLs of the object', async () => {
  const store = await open('signed');
  const url = await store.createSignedUrl('backups/b/b.tar.gz', 600_000);
  assert.equal(url, `file://${join(store.dir, 'backups', 'b', 'b.tar.gz')}`);
  await assert.rejects(store.createSignedUrl('x', 0), (err: unknown) => isStorageError(err, 'InvalidArgument'));
});
