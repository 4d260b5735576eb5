/** @module storage/layout.test: every key of Velero's layout, with and without a prefix. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isStorageError } from './errors.ts';
import { DOWNLOAD_TARGET_KINDS, ObjectStoreLayout, normalizePrefix, type DownloadTargetKind } from './layout.ts';

test('the prefix is trimmed of / at both ends; the root is prefix/ or the bucket root', () => {
  assert.equal(normalizePrefix('/a/b/'), 'a/b');
  assert.equal(normalizePrefix('//'), '');
  assert.equal(normalizePrefix(undefined), '');
  assert.equal(new ObjectStoreLayout('/velero/').root, 'velero/');
  assert.equal(new ObjectStoreLayout('').root, '');
  assert.equal(new ObjectStoreLayout('p').subdir('kopia'), 'p/kopia/');
});

test('backup and restore keys', () => {
  const l = new ObjectStoreLayout('p');
  assert.equal(l.backupMetadataKey('b'), 'p/backups/b/velero-backup.json');
  assert.equal(l.backupContentsKey('b'), 'p/backups/b/b.tar.gz');
  assert.equal(l.backupLogKey('b'), 'p/backups/b/b-logs.gz');
  assert.equal(l.backupSidecarKey('b', 'podVolumeBackups'), 'p/backups/b/b-podvolumebackups.json.gz');
  assert.equal(l.backupSidecarKey('b', 'csiVolumeSnapshotClasses'), 'p/backups/b/b-csi-volumesnapshotclasses.json.gz');
  assert.equal(l.restoreLogKey('r'), 'p/restores/r/restore-r-logs.gz');
  assert.equal(l.restoreSidecarKey('r', 'itemOperations'), 'p/restores/r/restore-r-itemoperations.json.gz');
  assert.equal(l.restoreSidecarKey('r', 'volumeInfo'), 'p/restores/r/r-volumeinfo.json.gz', 'no restore- prefix on this one');
});

test('every DownloadTarget kind maps to its key', () => {
  const expected: Record<DownloadTargetKind, string> = {
    BackupContents: 'backups/n/n.tar.gz',
    BackupLog: 'backups/n/n-logs.gz',
    BackupVolumeSnapshots: 'backups/n/n-volumesnapshots.json.gz',
    BackupItemOperations: 'backups/n/n-itemoperations.json.gz',
    BackupResourceList: 'backups/n/n-resource-list.json.gz',
    BackupResults: 'backups/n/n-results.gz',
    BackupVolumeInfos: 'backups/n/n-volumeinfo.json.gz',
    CSIBackupVolumeSnapshots: 'backups/n/n-csi-volumesnapshots.json.gz',
    CSIBackupVolumeSnapshotContents: 'backups/n/n-csi-volumesnapshotcontents.json.gz',
    RestoreLog: 'restores/n/restore-n-logs.gz',
    RestoreResults: 'restores/n/restore-n-results.gz',
    RestoreResourceList: 'restores/n/restore-n-resource-list.json.gz',
    RestoreItemOperations: 'restores/n/restore-n-itemoperations.json.gz',
    RestoreVolumeInfo: 'restores/n/n-volumeinfo.json.gz',
  };
  assert.deepEqual(Object.keys(expected).sort(), [...DOWNLOAD_TARGET_KINDS].sort());
  for (const kind of DOWNLOAD_TARGET_KINDS) {
    assert.equal(new ObjectStoreLayout().downloadTargetKey({ kind, name: 'n' }), expected[kind], kind);
    assert.equal(new ObjectStoreLayout('x/y').downloadTargetKey({ kind, name: 'n' }), `x/y/${expected[kind]}`, kind);
  }
  assert.throws(() => new ObjectStoreLayout().downloadTargetKey({ kind: 'Nope' as DownloadTargetKind, name: 'n' }), (err: unknown) => isStorageError(err, 'InvalidArgument'));
});

test('names must be one path segment', () => {
  const l = new ObjectStoreLayout();
  for (const name of ['', '.', '..', 'a/b', 'a\\b', 'nul\0']) {
    assert.throws(() => l.backupDir(name), (err: unknown) => isStorageError(err, 'InvalidArgument'), JSON.stringify(name));
    assert.throws(() => l.restoreDir(name), (err: unknown) => isStorageError(err, 'InvalidArgument'), JSON.stringify(name));
  }
  assert.equal(l.isValidTopLevelDir('plugins'), true);
  assert.equal(l.isValidTopLevelDir('backup'), false);
});
