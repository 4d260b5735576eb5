/** @module cli/commands/restore/describe-render.test — golden `restore describe` text for the phases a restore ends in. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Restore } from '../../../api/index.ts';
import { renderRestoreDescription } from './describe-render.ts';
import type { RestoreDescribeInput } from './describe-types.ts';

/** The spec velero's server leaves on a restore made by `restore create --from-backup shop`. */
const serverSpec: Restore['spec'] = {
  backupName: 'shop',
  includedNamespaces: ['*'],
  excludedResources: ['nodes', 'events', 'events.events.k8s.io', 'backups.velero.io', 'restores.velero.io'],
  hooks: {},
  itemOperationTimeout: '4h0m0s',
  uploaderConfig: {},
};

function input(status: Restore['status'], extra: Partial<RestoreDescribeInput> & { spec?: Restore['spec']; meta?: Partial<Restore['metadata']> } = {}): RestoreDescribeInput {
  const { spec, meta, ...rest } = extra;
  return {
    restore: { apiVersion: 'velero.io/v1', kind: 'Restore', metadata: { name: 'shop-20250102030405', namespace: 'velero', ...meta }, spec: spec ?? serverSpec, status },
    details: false,
    colorized: false,
    podVolumes: [],
    results: { state: 'skipped' },
    resourceList: { state: 'skipped' },
    volumeInfos: { state: 'ok', value: [] },
    itemOperations: { state: 'skipped' },
    ...rest,
  };
}

const times = { startTimestamp: '2025-01-02T03:04:06Z', completionTimestamp: '2025-01-02T03:04:30Z' };

/** Everything from `Backup:` to `Preserve Service NodePorts:` for serverSpec, which most cases share. */
const REQUEST = `Backup:  shop

Namespaces:
  Included:  all namespaces found in the backup
  Excluded:  <none>

Resources:
  Included:        *
  Excluded:        nodes, events, events.events.k8s.io, backups.velero.io, restores.velero.io
  Cluster-scoped:  auto

Namespace mappings:  <none>

Label selector:  <none>

Or label selector:  <none>

Restore PVs:  auto

CSI Snapshot Restores: <none included>

Existing Resource Policy:   <none>
ItemOperationTimeout:       4h0m0s

Preserve Service NodePorts:  auto
`;

test('Completed with --details: counts, times, the request, empty uploader config, hooks, then the resource list by kind', () => {
  const text = renderRestoreDescription(input(
    { phase: 'Completed', ...times, progress: { totalItems: 4, itemsRestored: 4 }, hookStatus: {} },
    {
      details: true,
      meta: { labels: { team: 'ops' }, annotations: { note: 'drill' } },
      resourceList: { state: 'ok', value: { 'v1/Namespace': ['shop(created)'], 'apps/v1/Deployment': ['shop/web(created)'], 'v1/ConfigMap': ['shop/a(created)', 'shop/b(skipped)'] } },
    },
  ));
  assert.equal(text, `Name:         shop-20250102030405
Namespace:    velero
Labels:       team=ops
Annotations:  note=drill

Phase:                       Completed
Total items to be restored:  4
Items restored:              4

Started:    2025-01-02 03:04:06 +0000 UTC
Completed:  2025-01-02 03:04:30 +0000 UTC

${REQUEST}
Uploader config:


HooksAttempted:   0
HooksFailed:      0

Resource List:
  apps/v1/Deployment:
    - shop/web(created)
  v1/ConfigMap:
    - shop/a(created)
    - shop/b(skipped)
  v1/Namespace:
    - shop(created)

`);
});

test('PartiallyFailed: the logs hint in single quotes, warnings and errors by Velero, Cluster and namespace', () => {
  const text = renderRestoreDescription(input(
    { phase: 'PartiallyFailed', ...times, progress: { totalItems: 9, itemsRestored: 8 }, warnings: 3, errors: 2 },
    {
      results: {
        state: 'ok',
        value: {
          warnings: { velero: [], cluster: ['could not restore, CustomResourceDefinition "widgets.example.com" already exists'], namespaces: { web: ['w2'], shop: ['w1'] } },
          errors: { velero: ['timed out waiting for the namespace'], cluster: [], namespaces: { shop: ['e1', 'e2'] } },
        },
      },
    },
  ));
  assert.equal(text, `Name:         shop-20250102030405
Namespace:    velero
Labels:       <none>
Annotations:  <none>

Phase:                       PartiallyFailed (run 'skiff restore logs shop-20250102030405' for more information)
Total items to be restored:  9
Items restored:              8

Started:    2025-01-02 03:04:06 +0000 UTC
Completed:  2025-01-02 03:04:30 +0000 UTC

Warnings:
  Velero:     <none>
  Cluster:  could not restore, CustomResourceDefinition "widgets.example.com" already exists
  Namespaces:
    shop:  w1
    web:   w2

Errors:
  Velero:   timed out waiting for the namespace
  Cluster:    <none>
  Namespaces:
    shop:  e1
           e2

${REQUEST}
Uploader config:

`);
});

test('only the kind of result the counts name is shown; Namespaces: <none> when no namespace has any', () => {
  const text = renderRestoreDescription(input({ phase: 'Completed', ...times, warnings: 1 }, {
    results: { state: 'ok', value: { warnings: { cluster: ['w'] }, errors: {} } },
  }));
  assert.match(text, /\nCompleted:  2025-01-02 03:04:30 \+0000 UTC\n\nWarnings:\n  Velero:     <none>\n  Cluster:  w\n  Namespaces: <none>\n\nBackup:  shop\n/);
  assert.doesNotMatch(text, /Errors:/);
});

test('results that cannot be read: velero says why, on the lines right after Completed:', () => {
  const failed = renderRestoreDescription(input({ phase: 'PartiallyFailed', ...times, errors: 1 }, { results: { state: 'error', message: 'timed out waiting for download URL' } }));
  assert.match(failed, /\nStarted:    2025-01-02 03:04:06 \+0000 UTC\nCompleted:  2025-01-02 03:04:30 \+0000 UTC\nWarnings:   <error getting warnings: timed out waiting for download URL>\n\nErrors:  <error getting errors: timed out waiting for download URL>\n\nBackup:/);
  const missing = renderRestoreDescription(input({ phase: 'Completed', ...times, warnings: 2 }, { results: { state: 'missing' } }));
  assert.match(missing, /\nWarnings:   <error getting warnings: file not found>\n\nErrors:  <error getting errors: file not found>\n/);
});

test('FailedValidation: no counts, <n/a> times, every validation error aligned, no logs hint', () => {
  const text = renderRestoreDescription(input(
    { phase: 'FailedValidation', validationErrors: ['backup.velero.io "gone" not found', 'either a backup or schedule must be specified'] },
    { spec: { ...serverSpec, backupName: 'gone' } },
  ));
  assert.equal(text.split('\n\nBackup:')[0], `Name:         shop-20250102030405
Namespace:    velero
Labels:       <none>
Annotations:  <none>

Phase:  FailedValidation

Started:    <n/a>
Completed:  <n/a>

Validation errors:  backup.velero.io "gone" not found
                    either a backup or schedule must be specified`);
  assert.match(text, /\nBackup:  gone\n/);
});

test('InProgress: estimated counts; New when the server has not picked it up; (Deleting) once deleted', () => {
  const running = renderRestoreDescription(input({ phase: 'InProgress', startTimestamp: times.startTimestamp, progress: { totalItems: 40, itemsRestored: 12 } }));
  assert.match(running, /\nPhase:                                 InProgress\nEstimated total items to be restored:  40\nItems restored so far:                 12\n\nStarted:    2025-01-02 03:04:06 \+0000 UTC\nCompleted:  <n\/a>\n/);
  assert.match(renderRestoreDescription(input(undefined)), /\nPhase:  New\n\nStarted:    <n\/a>\n/);
  const leaving = renderRestoreDescription(input({ phase: 'Completed', ...times }, { meta: { deletionTimestamp: '2025-01-03T00:00:00Z' } }));
  assert.match(leaving, /\nPhase:  Completed \(Deleting\)\n/);
  const coloured = renderRestoreDescription(input({ phase: 'Failed', ...times }, { colorized: true }));
  assert.match(coloured, /\nPhase:  \x1b\[31mFailed\x1b\[0m \(run 'skiff restore logs shop-20250102030405' for more information\)\n/);
});

test('the request as given: filters, mappings, selectors, policies, modifier and uploader settings', () => {
  const spec: Restore['spec'] = {
    backupName: 'shop',
    includedNamespaces: ['shop', 'web'],
    excludedNamespaces: ['kube-system'],
    includedResources: ['deployments.apps', 'configmaps'],
    includeClusterResources: false,
    namespaceMapping: { web: 'web-copy', shop: 'shop-copy' },
    labelSelector: { matchLabels: { app: 'web' } },
    restorePVs: true,
    preserveNodePorts: true,
    existingResourcePolicy: 'update',
    itemOperationTimeout: '90m',
    resourceModifier: { apiGroup: '', kind: 'configmap', name: 'rules' },
    uploaderConfig: { writeSparseFiles: true, parallelFilesDownload: 4 },
  };
  const text = renderRestoreDescription(input({ phase: 'Completed', ...times }, { spec }));
  assert.equal(text.slice(text.indexOf('Backup:')), `Backup:  shop

Namespaces:
  Included:  shop, web
  Excluded:  kube-system

Resources:
  Included:        deployments.apps, configmaps
  Excluded:        <none>
  Cluster-scoped:  excluded

Namespace mappings:  shop=shop-copy
                     web=web-copy

Label selector:  app=web

Or label selector:  <none>

Restore PVs:  true

CSI Snapshot Restores: <none included>

Existing Resource Policy:   update
ItemOperationTimeout:       1h30m0s

Preserve Service NodePorts:  true

Resource modifier:
  Type:  configmap
  Name:  rules

Uploader config:
  Write Sparse Files:  true
  Parallel Restore:    4

`);
  const or = renderRestoreDescription(input({ phase: 'Completed' }, { spec: { ...serverSpec, orLabelSelectors: [{ matchLabels: { a: '1' } }, { matchLabels: { b: '2' } }] } }));
  assert.match(or, /\nOr label selector:  a=1 or b=2\n/);
});

test('pod volume restores, CSI snapshot restores and item operations: summaries, and detail with --details', () => {
  const podVolumes: RestoreDescribeInput['podVolumes'] = [
    { podNamespace: 'shop', podName: 'db-0', volume: 'data', phase: 'Completed', uploaderType: 'kopia' },
    { podNamespace: 'shop', podName: 'db-0', volume: 'logs', phase: 'Completed', uploaderType: 'kopia' },
    { podNamespace: 'shop', podName: 'web', volume: 'cache', phase: 'Failed', uploaderType: 'kopia' },
  ];
  const volumeInfos: RestoreDescribeInput['volumeInfos'] = {
    state: 'ok',
    value: [
      { pvcNamespace: 'shop', pvcName: 'moved', restoreMethod: 'CSISnapshot', snapshotDataMoved: true, snapshotDataMovementInfo: { operationID: 'op-3', uploaderType: 'kopia' } },
      { pvcNamespace: 'shop', pvcName: 'native', restoreMethod: 'NativeSnapshot' },
      { pvcNamespace: 'shop', pvcName: 'csi', restoreMethod: 'CSISnapshot', csiSnapshotInfo: { vscName: 'content-1', snapshotHandle: 'snap-1', driver: 'csi.example.com' } },
    ],
  };
  const status: Restore['status'] = { phase: 'Completed', ...times, restoreItemOperationsAttempted: 2, restoreItemOperationsCompleted: 1, restoreItemOperationsFailed: 1 };
  const brief = renderRestoreDescription(input(status, { podVolumes, volumeInfos }));
  assert.match(brief, /\nRestore PVs:  auto\n\nkopia Restores \(specify --details for more information\):\n  Completed:  2\n  Failed:     1\n\nCSI Snapshot Restores:\n  shop\/csi:\n    Snapshot: specify --details for more information\n  shop\/moved:\n    Data Movement: specify --details for more information\n\nExisting Resource Policy:/);
  assert.match(brief, /\nUploader config:\n\nRestore Item Operations:  1 of 2 completed successfully, 1 failed \(specify --details for more information\)\n$/);
  const itemOperations: RestoreDescribeInput['itemOperations'] = {
    state: 'ok',
    value: [{
      spec: { restoreItemAction: 'velero.io/csi-pvc-restorer', operationID: 'dd-1', resourceIdentifier: { Group: '', Resource: 'persistentvolumeclaims', Namespace: 'shop', Name: 'moved' } },
      status: { phase: 'Completed', nCompleted: 10, nTotal: 10, operationUnits: 'Bytes', description: 'Completed', created: '2025-01-02T03:04:07Z' },
    }],
  };
  const detailed = renderRestoreDescription(input(status, { details: true, podVolumes, volumeInfos, itemOperations, resourceList: { state: 'missing' } }));
  assert.match(detailed, /\nkopia Restores:\n  Completed:\n    shop\/db-0: data, logs\n  Failed:\n    shop\/web: cache\n/);
  assert.match(detailed, /\nCSI Snapshot Restores:\n  shop\/csi:\n    Snapshot:\n      Snapshot Content Name: content-1\n      Storage Snapshot ID: snap-1\n      CSI Driver: csi\.example\.com\n  shop\/moved:\n    Data Movement:\n      Operation ID: op-3\n      Data Mover: velero\n      Uploader Type: kopia\n/);
  assert.match(detailed, /\nRestore Item Operations:\n  Operation for persistentvolumeclaims shop\/moved:\n    Restore Item Action Plugin:  velero.io\/csi-pvc-restorer\n    Operation ID:                dd-1\n    Phase:                       Completed\n    Progress:                    10 of 10 complete \(Bytes\)\n    Progress description:        Completed\n    Created:                     2025-01-02 03:04:07 \+0000 UTC\n\nResource List:  <restore resource list not found>\n\n$/);
  const unreadable = renderRestoreDescription(input(status, { volumeInfos: { state: 'error', message: 'boom' } }));
  assert.match(unreadable, /\nCSI Snapshot Restores:  <error getting restore volume info: boom>\n/);
});
