/** @module storage/testing/velero-fixture: the bucket real Velero 1.18.3 wrote, and the BackupStore suite that reads it. */
import { VELERO_BUCKET_DIR } from '../../../test/fixtures/velero-bucket.ts';
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { createGunzip, gunzipSync } from 'node:zlib';
import { fileURLToPath } from 'node:url';
import { request } from 'undici';
import { extract } from 'tar-stream';
import { BackupStore } from '../backup-store.ts';
import { isStorageError } from '../errors.ts';
import type { ObjectStore } from '../object-store.ts';
import { emptyPrefix } from './contract.ts';

/** Real Velero's bucket (test/fixtures/velero-1.18.3-bucket): Velero's own files, byte for byte. */
export const FIXTURE_DIR = VELERO_BUCKET_DIR;

/** Every object of the fixture bucket as `key` (relative, `/`-separated) and file path; the README is not an object. */
export async function fixtureObjects(): Promise<Array<{ key: string; path: string }>> {
  const names = (await readdir(FIXTURE_DIR, { recursive: true, withFileTypes: true })).filter((e) => e.isFile());
  return names
    .map((e) => join(e.parentPath, e.name))
    .map((path) => ({ key: relative(FIXTURE_DIR, path).split(sep).join('/'), path }))
    .filter((o) => o.key !== 'README.md')
    .sort((a, b) => (a.key < b.key ? -1 : 1));
}

/** Copies the fixture bucket under `root` (`''` or `prefix/`) of a store. */
export async function uploadFixture(store: ObjectStore, root: string): Promise<string[]> {
  const keys: string[] = [];
  for (const o of await fixtureObjects()) {
    await store.putObject(`${root}${o.key}`, await readFile(o.path));
    keys.push(`${root}${o.key}`);
  }
  return keys;
}

export function fixtureFile(key: string): Promise<Buffer> {
  return readFile(join(FIXTURE_DIR, ...key.split('/')));
}

/** The names of the tar entries in a gzipped tarball stream, and the first entry's content. */
export async function tarEntries(gz: NodeJS.ReadableStream): Promise<{ names: string[]; first: string }> {
  const ex = extract();
  const names: string[] = [];
  let first = '';
  const done = (async () => {
    for await (const entry of ex) {
      const chunks: Buffer[] = [];
      for await (const c of entry) chunks.push(c as Buffer);
      if (names.length === 0) first = Buffer.concat(chunks).toString('utf8');
      names.push(entry.header.name);
    }
  })();
  gz.pipe(createGunzip()).pipe(ex);
  await done;
  return { names, first };
}

export interface FixtureSetup {
  objectStore: ObjectStore;
  /** The BSL prefix the fixture was copied under (`''` for the bucket root). */
  prefix: string;
  /** Runs after the suite has emptied the prefix and closed the store (e.g. to delete a bucket made for it). */
  cleanup?: () => Promise<void>;
}

/** BackupStore against Velero's real bucket: `setup` builds an object store whose `prefix` holds nothing yet. */
export function backupStoreFixtureSuite(name: string, setup: () => Promise<FixtureSetup>): void {
  describe(`BackupStore on Velero 1.18.3's bucket: ${name}`, () => {
    let store: BackupStore;
    let objectStore: ObjectStore;
    let root: string;
    let cleanup: (() => Promise<void>) | undefined;
    before(async () => {
      const s = await setup();
      objectStore = s.objectStore;
      cleanup = s.cleanup;
      store = new BackupStore(objectStore, { prefix: s.prefix, bucket: objectStore.bucket });
      root = store.layout.root;
      await uploadFixture(objectStore, root);
    });
    // Suite-level, not file-level: a file run alone stops its private MinIO in a file-level hook.
    after(async () => {
      await emptyPrefix(objectStore, root);
      await objectStore.close();
      await cleanup?.();
    });

    test('lists the backups and restores, and the location is valid', async () => {
      assert.deepEqual(await store.listBackups(), ['mixed-backup', 'nginx-backup']);
      assert.deepEqual(await store.listRestores(), ['nginx-restore']);
      await store.isValid();
      assert.equal(await store.backupExists('nginx-backup'), true);
      assert.equal(await store.backupExists('no-such-backup'), false);
    });

    test('velero-backup.json parses to the Backup Velero wrote', async () => {
      for (const b of ['nginx-backup', 'mixed-backup']) {
        const meta = await store.getBackupMetadata(b);
        assert.deepEqual(meta, JSON.parse((await fixtureFile(`backups/${b}/velero-backup.json`)).toString()));
        assert.equal(meta.kind, 'Backup');
        assert.equal(meta.apiVersion, 'velero.io/v1');
        assert.equal(meta.metadata?.name, b);
        assert.equal(meta.status?.phase, 'Completed');
        assert.equal(meta.status?.formatVersion, '1.1.0');
        assert.equal(meta.status?.version, 1);
      }
      await assert.rejects(store.getBackupMetadata('no-such-backup'), (err: unknown) => isStorageError(err, 'NotFound'));
    });

    test('every backup sidecar decodes; missing ones are undefined', async () => {
      const list = await store.getBackupSidecar('nginx-backup', 'resourceList');
      assert.deepEqual(list?.['v1/Namespace'], ['nginx-example']);
      assert.deepEqual(list?.['apps/v1/Deployment'], ['nginx-example/nginx-deployment']);
      const mixed = await store.getBackupSidecar('mixed-backup', 'resourceList');
      assert.equal(mixed?.['fixture.example.com/v1/Widget']?.length, 4);
      assert.deepEqual(await store.getBackupSidecar('nginx-backup', 'results'), { errors: {}, warnings: {} });
      const volumes = await store.getBackupSidecar('nginx-backup', 'volumeInfo');
      assert.equal(volumes?.length, 1);
      assert.equal(volumes?.[0]?.['pvcName'], 'nginx-logs');
      assert.equal((await store.getBackupSidecar('mixed-backup', 'volumeInfo'))?.length, 2);
      assert.deepEqual(await store.getBackupSidecar('nginx-backup', 'itemOperations'), []);
      assert.deepEqual(await store.getBackupSidecar('nginx-backup', 'podVolumeBackups'), [], 'Velero wrote null: read as empty');
      assert.deepEqual(await store.getBackupSidecar('mixed-backup', 'volumeSnapshots'), []);
      assert.equal(await store.getBackupSidecar('nginx-backup', 'csiVolumeSnapshots'), undefined);
      assert.equal(await store.getBackupSidecar('nginx-backup', 'csiVolumeSnapshotContents'), undefined);
      assert.equal(await store.getBackupSidecar('no-such-backup', 'results'), undefined);
    });

    test('the tarball streams and gunzips: metadata/version first, then resources/', async () => {
      const { names, first } = await tarEntries(await store.getBackupContents('nginx-backup'));
      assert.equal(names[0], 'metadata/version');
      assert.equal(first, '1.1.0\n');
      assert.ok(names.includes('resources/namespaces/cluster/nginx-example.json'));
      assert.ok(names.includes('resources/namespaces/v1-preferredversion/cluster/nginx-example.json'));
      assert.ok((await tarEntries(await store.getBackupContents('mixed-backup'))).names.some((n) => n.startsWith('resources/widgets.fixture.example.com/')));
    });

    test('the restore files decode', async () => {
      const results = await store.getRestoreSidecar('nginx-restore', 'results');
      assert.equal(results?.warnings?.cluster?.length, 1);
      assert.match(results?.warnings?.cluster?.[0] ?? '', /pv-nginx-logs already exists/);
      const list = await store.getRestoreSidecar('nginx-restore', 'resourceList');
      assert.deepEqual(list?.['v1/PersistentVolume'], ['pv-nginx-logs(failed)']);
      assert.deepEqual(list?.['v1/Namespace'], ['nginx-example(created)']);
      assert.deepEqual(await store.getRestoreSidecar('nginx-restore', 'itemOperations'), []);
      assert.deepEqual(await store.getRestoreSidecar('nginx-restore', 'volumeInfo'), [], 'nginx-restore-volumeinfo.json.gz, no restore- prefix');
      await assert.rejects(store.getRestoreLog('nginx-restore'), (err: unknown) => isStorageError(err, 'NotFound'), 'the fixture has no logs');
    });

    test('download URLs fetch the files DownloadRequests point at', async () => {
      for (const [kind, name, key] of [
        ['BackupResourceList', 'nginx-backup', 'backups/nginx-backup/nginx-backup-resource-list.json.gz'],
        ['BackupContents', 'mixed-backup', 'backups/mixed-backup/mixed-backup.tar.gz'],
        ['RestoreVolumeInfo', 'nginx-restore', 'restores/nginx-restore/nginx-restore-volumeinfo.json.gz'],
        ['RestoreResults', 'nginx-restore', 'restores/nginx-restore/restore-nginx-restore-results.gz'],
      ] as const) {
        const body = await fetchBytes(await store.getDownloadUrl({ kind, name }));
        assert.deepEqual(body, await fixtureFile(key), kind);
      }
      const results = gunzipSync(await fetchBytes(await store.getDownloadUrl({ kind: 'BackupResults', name: 'nginx-backup' }))).toString();
      assert.equal(results, '{"errors":{},"warnings":{}}\n');
    });

    test('unknown top-level directories make the location invalid, with Velero\'s message', async () => {
      await objectStore.putObject(`${root}junk/file`, 'x');
      await assert.rejects(store.isValid(), (err: unknown) => isStorageError(err, 'InvalidStore') && (err as Error).message === 'Backup store contains invalid top-level directories: [junk]');
      for (const d of ['aaa', 'more', 'zzz']) await objectStore.putObject(`${root}${d}/x`, 'x');
      await assert.rejects(store.isValid(), { message: 'Backup store contains 4 invalid top-level directories: [aaa junk more ...]' });
      await objectStore.putObject(`${root}loose-file.txt`, 'plain files at the root are not checked');
      for (const d of ['aaa', 'junk', 'more', 'zzz']) await objectStore.deleteObject(`${root}${d}/${d === 'junk' ? 'file' : 'x'}`);
      await objectStore.putObject(`${root}kopia/ns/kopia.repository`, 'the valid directories');
      await objectStore.putObject(`${root}plugins/p/x`, 'x');
      await store.isValid();
    });

    test('deleteBackup and deleteRestore remove every key under their directory', async () => {
      await store.deleteRestore('nginx-restore');
      assert.deepEqual(await store.listRestores(), []);
      await store.deleteBackup('mixed-backup');
      assert.deepEqual(await store.listBackups(), ['nginx-backup']);
      const left: string[] = [];
      for await (const o of objectStore.listObjects(`${root}backups/`)) left.push(o.key.slice(root.length));
      assert.ok(left.every((k) => k.startsWith('backups/nginx-backup/')), left.join(', '));
      await store.deleteBackup('never-existed');
    });
  });
}

async function fetchBytes(url: string): Promise<Buffer> {
  if (url.startsWith('file:')) return readFile(fileURLToPath(url));
  const res = await request(url);
  const body = Buffer.from(await res.body.arrayBuffer());
  assert.equal(res.statusCode, 200, `GET signed URL: HTTP ${res.statusCode}`);
  return body;
}
