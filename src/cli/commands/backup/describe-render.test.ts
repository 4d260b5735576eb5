/** @module cli/commands/backup/describe-render.test — golden `backup describe` text from a Backup and its files. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { renderBackupJson } from './describe-json.ts';
import { renderBackupDescription } from './describe-render.ts';
import type { BackupDescribeInput } from './describe-types.ts';

// A data-mover backup as velero's server leaves it, with its results, resource list, volume info and operations.
const completed: BackupDescribeInput = {
  backup: {
    apiVersion: 'velero.io/v1', kind: 'Backup',
    metadata: { name: 'demo', namespace: 'velero', uid: 'u1', labels: { 'velero.io/storage-location': 'default' },
      annotations: { 'velero.io/resource-timeout': '10m0s', 'velero.io/source-cluster-k8s-gitversion': 'v1.34.4' } },
    spec: { metadata: {}, includedNamespaces: ['demo'], excludedClusterScopedResources: ['volumesnapshotcontents.snapshot.storage.k8s.io'],
      excludedNamespaceScopedResources: ['volumesnapshots.snapshot.storage.k8s.io'], snapshotVolumes: true, ttl: '720h0m0s', hooks: {},
      storageLocation: 'default', defaultVolumesToFsBackup: false, csiSnapshotTimeout: '10m0s', itemOperationTimeout: '4h0m0s', snapshotMoveData: true },
    status: { version: 1, formatVersion: '1.1.0', expiration: '2026-05-29T17:08:12Z', phase: 'Completed', startTimestamp: '2026-04-29T17:08:12Z',
      completionTimestamp: '2026-04-29T17:09:17Z', progress: { totalItems: 9, itemsBackedUp: 9 }, backupItemOperationsAttempted: 1, backupItemOperationsCompleted: 1, hookStatus: {}, warnings: 1 },
  },
  details: true, colorized: false, deleteRequests: [], podVolumes: [],
  results: { state: 'ok', value: { warnings: { cluster: ['w1', 'w2'], namespaces: { demo: ['n1'] } } } },
  resourceList: { state: 'ok', value: { 'v1/Pod': ['demo/pvc-mounter'], 'v1/ConfigMap': ['demo/kube-root-ca.crt'] } },
  volumeInfos: { state: 'ok', value: [{ pvcName: 'demo-pvc', pvcNamespace: 'demo', backupMethod: 'CSISnapshot', snapshotDataMoved: true, result: 'succeeded',
    snapshotDataMovementInfo: { operationID: 'du-1', uploaderType: 'kopia', size: 0 } }] },
  itemOperations: { state: 'ok', value: [{ spec: { backupItemAction: 'velero.io/csi-pvc-backupper', resourceIdentifier: { Group: '', Resource: 'persistentvolumeclaims', Namespace: 'demo', Name: 'demo-pvc' }, operationID: 'du-2455cbbc-ef67-4caf-9151-00d42247889a.54a54fdf-f7a1-4559a1c8a',
    postOperationItems: [{ Group: 'velero.io', Resource: 'datauploads', Namespace: 'velero', Name: 'demo-zx9sf' }] },
    status: { phase: 'Completed', description: 'Completed', created: '2026-04-29T17:08:18Z', started: '2026-04-29T17:08:33Z', updated: '2026-04-29T17:09:08Z' } }] },
  nativeSnapshots: { state: 'skipped' },
};

test('a Completed backup with --details: every section in velero order, files rendered', () => {
  assert.equal(renderBackupDescription(completed), `Name:         demo
Namespace:    velero
Labels:       velero.io/storage-location=default
Annotations:  velero.io/resource-timeout=10m0s
              velero.io/source-cluster-k8s-gitversion=v1.34.4

Phase:  Completed

Warnings:
  Velero:     <none>
  Cluster:  w1
            w2
  Namespaces:
    demo:  n1

Namespaces:
  Included:  demo
  Excluded:  <none>

Resources:
  Included cluster-scoped:    <none>
  Excluded cluster-scoped:    volumesnapshotcontents.snapshot.storage.k8s.io
  Included namespace-scoped:  *
  Excluded namespace-scoped:  volumesnapshots.snapshot.storage.k8s.io

Label selector:  <none>

Or label selector:  <none>

Storage Location:  default

Velero-Native Snapshot PVs:    true
File System Backup (Default):  false
Snapshot Move Data:            true
Data Mover:                    velero

TTL:  720h0m0s

CSISnapshotTimeout:    10m0s
ItemOperationTimeout:  4h0m0s

Hooks:  <none>

Backup Format Version:  1.1.0

Started:    2026-04-29 17:08:12 +0000 UTC
Completed:  2026-04-29 17:09:17 +0000 UTC

Expiration:  2026-05-29 17:08:12 +0000 UTC

Total items to be backed up:  9
Items backed up:              9

Backup Item Operations:
  Operation for persistentvolumeclaims demo/demo-pvc:
    Backup Item Action Plugin:  velero.io/csi-pvc-backupper
    Operation ID:               du-2455cbbc-ef67-4caf-9151-00d42247889a.54a54fdf-f7a1-4559a1c8a
    Items to Update:
                           datauploads.velero.io velero/demo-zx9sf
    Phase:                 Completed
    Progress description:  Completed
    Created:               2026-04-29 17:08:18 +0000 UTC
    Started:               2026-04-29 17:08:33 +0000 UTC
    Updated:               2026-04-29 17:09:08 +0000 UTC
Resource List:
  v1/ConfigMap:
    - demo/kube-root-ca.crt
  v1/Pod:
    - demo/pvc-mounter

Backup Volumes:
  Velero-Native Snapshots: <none included>

  CSI Snapshots:
    demo/demo-pvc:
      Data Movement:
        Operation ID: du-1
        Data Mover: velero
        Uploader Type: kopia
        Moved data Size (bytes): 0
        Result: succeeded

  Pod Volume Backups: <none included>

HooksAttempted:  0
HooksFailed:     0
`);
});

const partial: BackupDescribeInput = {
  backup: {
    apiVersion: 'velero.io/v1', kind: 'Backup',
    metadata: { name: 'nightly', namespace: 'velero' },
    spec: { includedNamespaces: ['shop'], includedResources: ['pods'], includeClusterResources: false, ttl: '24h0m0s',
      labelSelector: { matchLabels: { app: 'web' } }, orderedResources: { pods: 'shop/a,shop/b' }, resourcePolicy: { kind: 'configmap', name: 'pol' },
      uploaderConfig: { parallelFilesUpload: 4 },
      hooks: { resources: [{ name: 'freeze', includedNamespaces: ['shop'], pre: [{ exec: { container: 'db', command: ['fsfreeze', '-f', '/data'], onError: 'Fail', timeout: '1m0s' } }] }] } },
    status: { phase: 'PartiallyFailed', formatVersion: '1.1.0', startTimestamp: '2025-01-02T03:04:05Z', completionTimestamp: '2025-01-02T03:05:00Z', expiration: '2025-02-01T03:04:05Z',
      errors: 2, warnings: 1, volumeSnapshotsAttempted: 2, volumeSnapshotsCompleted: 1, backupItemOperationsAttempted: 3, backupItemOperationsCompleted: 2, backupItemOperationsFailed: 1 },
  },
  details: false, colorized: false,
  deleteRequests: [
    { metadata: { name: 'nightly-a', creationTimestamp: '2025-01-03T00:00:00Z' }, spec: { backupName: 'nightly' }, status: { phase: 'Processed', errors: ['bsl is read-only', 'x'] } },
    { metadata: { name: 'nightly-b', creationTimestamp: '2025-01-04T00:00:00Z' }, spec: { backupName: 'nightly' }, status: { phase: 'InProgress' } },
  ],
  podVolumes: [
    { podNamespace: 'shop', podName: 'db-0', volume: 'data', phase: 'Completed', uploaderType: 'kopia' },
    { podNamespace: 'shop', podName: 'db-0', volume: 'logs', phase: 'Failed', uploaderType: 'kopia' },
    { podNamespace: 'shop', podName: 'web', volume: 'cache', phase: 'InProgress', uploaderType: 'kopia', bytesDone: 1, totalBytes: 3 },
  ],
  results: { state: 'missing' }, resourceList: { state: 'skipped' },
  volumeInfos: { state: 'error', message: 'timed out' },
  itemOperations: { state: 'skipped' }, nativeSnapshots: { state: 'skipped' },
};

test('PartiallyFailed without --details: counts when the results file is missing, CR counts when the server is away', () => {
  assert.equal(renderBackupDescription(partial), `Name:         nightly
Namespace:    velero
Labels:       <none>
Annotations:  <none>

Phase:  PartiallyFailed (run \`skiff backup logs nightly\` for more information)

Resource policies:
  Type:  configmap
  Name:  pol

Uploader config:
  Parallel files upload:  4

Errors:    2
Warnings:  1

Namespaces:
  Included:  shop
  Excluded:  <none>

Resources:
  Included:        pods
  Excluded:        <none>
  Cluster-scoped:  excluded

Label selector:  app=web

Or label selector:  <none>

Storage Location:

Velero-Native Snapshot PVs:    auto
File System Backup (Default):  auto
Snapshot Move Data:            auto
Data Mover:                    velero

TTL:  24h0m0s

CSISnapshotTimeout:    0s
ItemOperationTimeout:  0s

Hooks:
  Resources:
    freeze:
      Namespaces:
        Included:  shop
        Excluded:  <none>

      Resources:
        Included:  *
        Excluded:  <none>

      Label selector:  <none>

      Pre Exec Hook:
        Container:  db
        Command:    fsfreeze -f /data
        On Error:   Fail
        Timeout:    1m0s

OrderedResources:
  pods: shop/a,shop/b

Backup Format Version:  1.1.0

Started:    2025-01-02 03:04:05 +0000 UTC
Completed:  2025-01-02 03:05:00 +0000 UTC

Expiration:  2025-02-01 03:04:05 +0000 UTC

Backup Item Operations:  2 of 3 completed successfully, 1 failed (specify --details for more information)
Backup Volumes:
  Velero-Native Snapshots: 1 of 2 snapshots completed successfully

  CSI Snapshots: <none included>

  Pod Volume Backups - kopia (specify --details for more information):
    Completed:    1
    Failed:       1
    In Progress:  1

Deletion Attempts (1 failed):
  2025-01-03 00:00:00 +0000 UTC: Processed
  Errors:
    bsl is read-only
    x

  2025-01-04 00:00:00 +0000 UTC: InProgress
`);
});

test('FailedValidation with --details: validation errors, legacy native snapshots, pod volumes by pod', () => {
  const input: BackupDescribeInput = { ...partial, details: true, volumeInfos: { state: 'missing' }, nativeSnapshots: { state: 'ok', value: [{ spec: { persistentVolumeName: 'pv-1', volumeType: 'gp3', volumeAZ: 'eu-1a', volumeIOPS: 3000 }, status: { providerSnapshotID: 'snap-1' } }] },
  backup: { ...partial.backup, status: { ...partial.backup.status, phase: 'FailedValidation', validationErrors: ['first problem', 'second problem'], errors: 0, warnings: 0 } } };
  assert.equal(renderBackupDescription(input), `Name:         nightly
Namespace:    velero
Labels:       <none>
Annotations:  <none>

Phase:  FailedValidation

Resource policies:
  Type:  configmap
  Name:  pol

Uploader config:
  Parallel files upload:  4

Validation errors:  first problem
                    second problem


Namespaces:
  Included:  shop
  Excluded:  <none>

Resources:
  Included:        pods
  Excluded:        <none>
  Cluster-scoped:  excluded

Label selector:  app=web

Or label selector:  <none>

Storage Location:

Velero-Native Snapshot PVs:    auto
File System Backup (Default):  auto
Snapshot Move Data:            auto
Data Mover:                    velero

TTL:  24h0m0s

CSISnapshotTimeout:    0s
ItemOperationTimeout:  0s

Hooks:
  Resources:
    freeze:
      Namespaces:
        Included:  shop
        Excluded:  <none>

      Resources:
        Included:  *
        Excluded:  <none>

      Label selector:  <none>

      Pre Exec Hook:
        Container:  db
        Command:    fsfreeze -f /data
        On Error:   Fail
        Timeout:    1m0s

OrderedResources:
  pods: shop/a,shop/b

Backup Format Version:  1.1.0

Started:    2025-01-02 03:04:05 +0000 UTC
Completed:  2025-01-02 03:05:00 +0000 UTC

Expiration:  2025-02-01 03:04:05 +0000 UTC

Backup Item Operations:  <error getting operation info: file not found>
Resource List:           <error getting backup resource list: file not found>

Backup Volumes:
  Velero-Native Snapshots:
    pv-1:
      Snapshot ID:        snap-1
      Type:               gp3
      Availability Zone:  eu-1a
      IOPS:               3000
      Result:

  CSI Snapshots: <none included or not detectable>

  Pod Volume Backups - kopia:
    Completed:
      shop/db-0: data
    Failed:
      shop/db-0: logs
    In Progress:
      shop/web: cache (33.33%)

Deletion Attempts (1 failed):
  2025-01-03 00:00:00 +0000 UTC: Processed
  Errors:
    bsl is read-only
    x

  2025-01-04 00:00:00 +0000 UTC: InProgress
`);
});

test('colours only when asked: bold name, green Completed, red failures', () => {
  const text = renderBackupDescription({ ...completed, colorized: true });
  assert.match(text, /^Name:         \x1b\[1mdemo\x1b\[0m\n/);
  assert.match(text, /\nPhase:  \x1b\[32mCompleted\x1b\[0m\n/);
  const failed = renderBackupDescription({ ...partial, colorized: true });
  assert.match(failed, /\nPhase:  \x1b\[31mPartiallyFailed\x1b\[0m \(run `skiff backup logs nightly` for more information\)\n/);
});

test('-o json: velero\'s structured keys, sorted, 4-space indent', () => {
  const doc = JSON.parse(renderBackupJson(completed)) as Record<string, unknown>;
  assert.deepEqual(Object.keys(doc), ['metadata', 'phase', 'spec', 'status', 'warnings']);
  assert.deepEqual(doc['warnings'], { cluster: ['w1', 'w2'], namespaces: { demo: ['n1'] } });
  assert.deepEqual((doc['status'] as Record<string, unknown>)['resourceList'], { 'v1/ConfigMap': ['demo/kube-root-ca.crt'], 'v1/Pod': ['demo/pvc-mounter'] });
  assert.match(renderBackupJson(completed), /^\{\n    "metadata": \{\n        "annotations"/);
  const p = JSON.parse(renderBackupJson(partial)) as Record<string, unknown>;
  assert.equal(p['errors'], 2);
  assert.deepEqual((p['deletionAttempts'] as Record<string, unknown>)['failed'], 1);
  assert.deepEqual((p['podVolumeBackups'] as Record<string, unknown>)['podVolumeBackupsDetails'], { Completed: 1, Failed: 1, 'In Progress': 1 });
});
