/** @module storage/local/local-object-store-read.test: reads of keys that are no object (missing, a directory) and ranges past the end. */
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isStorageError } from '../errors.ts';
import { LocalObjectStore } from './local-object-store.ts';

const root = await mkdtemp(join(tmpdir(), 'skiff-local-read-'));
after(() => rm(root, { recursive: true, force: true }));

test('local: a missing key or a directory reads as not found; a range is cut at the end', async () => {
  const store = await LocalObjectStore.open({ root, bucket: 'b', createBucket: true });
  await store.putObject('dir/child', 'hello');
  for (const key of ['missing', 'dir', 'dir/child/under']) {
    await assert.rejects(store.getObject(key), (err: unknown) => isStorageError(err, 'NotFound'), `getObject ${key}`);
    await assert.rejects(store.getObjectRange(key, 0, 1), (err: unknown) => isStorageError(err, 'NotFound'), `getObjectRange ${key}`);
  }
  assert.equal((await store.getObjectRange('dir/child', 1, 100)).toString(), 'ello');
  assert.equal((await store.getObjectRange('dir/child', 9, 3)).length, 0);
  const gone = await LocalObjectStore.open({ root, bucket: 'nobucket' });
  await assert.rejects(gone.getObjectRange('k', 0, 1), (err: unknown) => isStorageError(err, 'NoSuchBucket'));
});
