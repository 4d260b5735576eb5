/** @module storage/backup-store.test: BackupStore on Velero's real bucket (local provider), and Skiff's writes in Velero's shape. */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { gunzipSync, gzipSync } from 'node:zlib';
import { BackupStore } from './backup-store.ts';
import { isStorageError } from './errors.ts';
import { LocalObjectStore } from './local/local-object-store.ts';
import type { BackupObject, JsonObject, ResourceList, Results } from './sidecars.ts';
import { backupStoreFixtureSuite, fixtureFile, fixtureObjects, listAll, readAll } from './testing/index.ts';

const root = await mkdtemp(join(tmpdir(), 'skiff-backup-store-'));
after(() => rm(root, { recursive: true, force: true }));

backupStoreFixtureSuite('local, bucket root', async () => ({ objectStore: await LocalObjectStore.open({ root, bucket: 'fixture-root', createBucket: true }), prefix: '' }));
backupStoreFixtureSuite('local, under a prefix', async () => ({ objectStore: await LocalObjectStore.open({ root, bucket: 'fixture-prefixed', createBucket: true }), prefix: '/velero/cluster-a/' }));

const gunzipJson = (b: Buffer): unknown => JSON.parse(gunzipSync(b).toString()) as unknown;

/** Writes nginx-backup and nginx-restore again through the granular writers, from what Velero wrote. */
async function rewriteFixture(store: BackupStore): Promise<void> {
  const f = (k: string): Promise<Buffer> => fixtureFile(k);
  const b = 'backups/nginx-backup/nginx-backup';
  await store.putBackupLog('nginx-backup', gzipSync('level=info msg="a log line"\n'));
  await store.putBackupContents('nginx-backup', Readable.from([await f(`${b}.tar.gz`)]));
  await store.putBackupSidecars('nginx-backup', {
    resourceList: gunzipJson(await f(`${b}-resource-list.json.gz`)) as ResourceList,
    results: gunzipJson(await f(`${b}-results.gz`)) as Results,
    volumeInfo: gunzipJson(await f(`${b}-volumeinfo.json.gz`)) as JsonObject[],
    podVolumeBackups: null,
    volumeSnapshots: null,
    itemOperations: [],
  });
  assert.equal(await store.backupExists('nginx-backup'), false, 'not a backup until velero-backup.json is written');
  assert.deepEqual(await store.listBackups(), ['nginx-backup'], 'though its directory is listed');
  await store.putBackupMetadata('nginx-backup', JSON.parse((await f('backups/nginx-backup/velero-backup.json')).toString()) as BackupObject);
  assert.equal(await store.backupExists('nginx-backup'), true);
  const r = 'restores/nginx-restore/restore-nginx-restore';
  await store.putRestoreResults('nginx-restore', gunzipJson(await f(`${r}-results.gz`)) as Results);
  await store.putRestoreResourceList('nginx-restore', gunzipJson(await f(`${r}-resource-list.json.gz`)) as ResourceList);
  await store.putRestoreItemOperations('nginx-restore', []);
  await store.putRestoreVolumeInfo('nginx-restore', []);
  await store.putRestoreLog('nginx-restore', gzipSync('restore log\n'));
}

test("Skiff's writes have Velero's keys and bytes", async () => {
  const objectStore = await LocalObjectStore.open({ root, bucket: 'skiff-writes', createBucket: true });
  const store = new BackupStore(objectStore, { prefix: 'p' });
  await rewriteFixture(store);
  const written = (await listAll(objectStore, 'p/')).map((o) => o.key.slice(2));
  const velero = (await fixtureObjects()).map((o) => o.key).filter((k) => k.includes('nginx-'));
  const logs = ['backups/nginx-backup/nginx-backup-logs.gz', 'restores/nginx-restore/restore-nginx-restore-logs.gz'];
  assert.deepEqual(written.sort(), [...velero, ...logs].sort(), 'the same keys (the fixture left the logs out)');
  for (const key of velero) {
    const ours = await readAll(await objectStore.getObject(`p/${key}`));
    const theirs = await fixtureFile(key);
    if (key.endsWith('velero-backup.json')) {
      assert.deepEqual(ours.toString(), theirs.toString(), 'pretty, 2-space indent, no trailing newline, same key order');
      assert.ok(!ours.toString().endsWith('\n'));
    } else if (key.endsWith('.tar.gz')) {
      assert.deepEqual(ours, theirs);
    } else {
      assert.equal(gunzipSync(ours).toString(), gunzipSync(theirs).toString(), `${key}: compact JSON + newline, Go's key order`);
    }
  }
  assert.equal((await readAll(await store.getBackupLog('nginx-backup'))).toString(), 'level=info msg="a log line"\n');
  assert.equal((await readAll(await store.getRestoreLog('nginx-restore'))).toString(), 'restore log\n');
});

test('sidecars are written in Go order whatever order the caller built them in', async () => {
  const objectStore = await LocalObjectStore.open({ root, bucket: 'go-order', createBucket: true });
  const store = new BackupStore(objectStore);
  await store.putBackupSidecars('b', {
    resourceList: { 'v1/Pod': ['ns/b', 'ns/a'], 'apps/v1/Deployment': ['ns/d'] },
    results: { warnings: { namespaces: { zz: ['w2'], aa: ['w1'] }, velero: ['v'] }, errors: {} },
    itemOperations: [{ spec: { note: '<html> & more' } }],
  });
  const text = async (k: string): Promise<string> => gunzipSync(await readAll(await objectStore.getObject(k))).toString();
  assert.equal(await text('backups/b/b-resource-list.json.gz'), '{"apps/v1/Deployment":["ns/d"],"v1/Pod":["ns/a","ns/b"]}\n');
  assert.equal(await text('backups/b/b-results.gz'), '{"errors":{},"warnings":{"velero":["v"],"namespaces":{"aa":["w1"],"zz":["w2"]}}}\n');
  assert.equal(await text('backups/b/b-itemoperations.json.gz'), '[{"spec":{"note":"\\u003chtml\\u003e \\u0026 more"}}]\n', "Go's HTML escaping");
  assert.deepEqual((await listAll(objectStore, '')).map((o) => o.key).sort(), ['backups/b/b-itemoperations.json.gz', 'backups/b/b-resource-list.json.gz', 'backups/b/b-results.gz']);
});

test('velero-backup.json: kind and apiVersion first and filled in; the name must match', async () => {
  const objectStore = await LocalObjectStore.open({ root, bucket: 'metadata', createBucket: true });
  const store = new BackupStore(objectStore);
  await store.putBackupMetadata('b1', { metadata: { name: 'b1', namespace: 'velero' }, spec: {}, status: { phase: 'Completed' } });
  const text = (await readAll(await objectStore.getObject('backups/b1/velero-backup.json'))).toString();
  assert.equal(text, '{\n  "kind": "Backup",\n  "apiVersion": "velero.io/v1",\n  "metadata": {\n    "name": "b1",\n    "namespace": "velero"\n  },\n  "spec": {},\n  "status": {\n    "phase": "Completed"\n  }\n}');
  await assert.rejects(store.putBackupMetadata('b2', { metadata: { name: 'other' } }), (err: unknown) => isStorageError(err, 'InvalidArgument'));
  await objectStore.putObject('backups/bad/velero-backup.json', '{"kind":"Restore","apiVersion":"velero.io/v1"}');
  await assert.rejects(store.getBackupMetadata('bad'), (err: unknown) => isStorageError(err, 'InvalidData') && /not a velero\.io Backup/.test((err as Error).message));
  await objectStore.putObject('backups/bad/bad-results.gz', 'not gzip');
  await assert.rejects(store.getBackupSidecar('bad', 'results'), (err: unknown) => isStorageError(err, 'InvalidData'));
  await objectStore.putObject('backups/bad/bad-itemoperations.json.gz', gzipSync('{"an":"object"}\n'));
  await assert.rejects(store.getBackupSidecar('bad', 'itemOperations'), (err: unknown) => isStorageError(err, 'InvalidData') && /not the expected list/.test((err as Error).message));
});

test('deleteBackup removes velero-backup.json before the other files', async () => {
  const objectStore = await LocalObjectStore.open({ root, bucket: 'delete-order', createBucket: true });
  const deleted: string[] = [];
  const spy = Object.create(objectStore, {
    deleteObject: { value: async (key: string) => { deleted.push(key); await objectStore.deleteObject(key); } },
  }) as LocalObjectStore;
  const store = new BackupStore(spy);
  await store.putBackupContents('b', 'tar');
  await store.putBackupSidecars('b', { itemOperations: [] });
  await store.putBackupMetadata('b', { metadata: { name: 'b' } });
  await store.deleteBackup('b');
  assert.equal(deleted[0], 'backups/b/velero-backup.json');
  assert.equal(deleted.length, 3);
  assert.deepEqual(await store.listBackups(), []);
});

test('names that would leave their directory are refused', async () => {
  const store = new BackupStore(await LocalObjectStore.open({ root, bucket: 'names', createBucket: true }));
  for (const name of ['', '..', 'a/b', 'a\\b']) {
    await assert.rejects(store.putBackupContents(name, 'x'), (err: unknown) => isStorageError(err, 'InvalidArgument'), name);
  }
  assert.throws(() => new BackupStore(store.objectStore, { bucket: 'another-bucket' }), (err: unknown) => isStorageError(err, 'InvalidArgument'));
});

test('isValid reports a missing bucket clearly', async () => {
  const store = new BackupStore(await LocalObjectStore.open({ root, bucket: 'not-created' }));
  await assert.rejects(store.isValid(), (err: unknown) => isStorageError(err, 'NoSuchBucket') && /"not-created" does not exist/.test((err as Error).message));
});
