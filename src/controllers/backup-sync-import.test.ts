import { test } from 'node:test';
import assert from 'node:assert/strict';
import { importedBackup, importedPodVolumeBackup, orphansOf, syncPeriodOf, syncVerdict } from './backup-sync-import.ts';
import type { BackupLike, LocationLike } from '../backup/index.ts';
import type { BackupObject } from '../storage/index.ts';

const location = (spec: Record<string, unknown> = {}): LocationLike => ({ metadata: { name: 'default' }, spec: { provider: 'aws', ...spec } });

test('sync period: the location own period wins, 0 disables, negative or unreadable ones fall back to the server', () => {
  assert.equal(syncPeriodOf(location(), 60_000), 60_000);
  assert.equal(syncPeriodOf(location({ backupSyncPeriod: '30s' }), 60_000), 30_000);
  assert.equal(syncPeriodOf(location({ backupSyncPeriod: '0s' }), 60_000), 0);
  assert.equal(syncPeriodOf(location({ backupSyncPeriod: '-1m' }), 60_000), 60_000);
  assert.equal(syncPeriodOf(location({ backupSyncPeriod: 'soon' }), 60_000), 60_000);
  assert.equal(syncPeriodOf(location({ backupSyncPeriod: null }), 0), 0);
});

const stored = (phase: string, extra: Record<string, unknown> = {}): BackupObject => ({
  apiVersion: 'velero.io/v1',
  kind: 'Backup',
  metadata: { name: 'b1', namespace: 'velero' },
  status: { phase, ...extra },
});

test('verdict: finished backups are imported; finishing ones only once expired (then PartiallyFailed); unfinished and misnamed ones never', () => {
  const now = Date.parse('2026-01-02T00:00:00Z');
  assert.deepEqual(syncVerdict(stored('Completed'), 'b1', now), { import: true });
  assert.deepEqual(syncVerdict(stored('Failed'), 'b1', now), { import: true });
  assert.deepEqual(syncVerdict(stored('Finalizing', { expiration: '2026-01-01T00:00:00Z' }), 'b1', now), { import: true, phase: 'PartiallyFailed' });
  assert.deepEqual(syncVerdict(stored('WaitingForPluginOperations', { expiration: '2026-01-01T00:00:00Z' }), 'b1', now), { import: true, phase: 'PartiallyFailed' });
  const waiting = syncVerdict(stored('WaitingForPluginOperationsPartiallyFailed', { expiration: '2026-02-01T00:00:00Z' }), 'b1', now);
  assert.equal(waiting.import, false);
  assert.equal(!waiting.import && waiting.level, 'debug');
  for (const phase of ['', 'New', 'InProgress']) {
    const v = syncVerdict(stored(phase), 'b1', now);
    assert.ok(!v.import && v.level === 'warn' && /never finished/.test(v.why), phase);
  }
  const misnamed = syncVerdict(stored('Completed'), 'b2', now);
  assert.ok(!misnamed.import && /names backup "b1", not "b2"/.test(misnamed.why));
});

test('imported backup: this namespace and location, server fields dropped, Schedule owners kept only when that Schedule exists', () => {
  const original: BackupObject = {
    apiVersion: 'velero.io/v1',
    kind: 'Backup',
    metadata: {
      name: 'daily-1',
      namespace: 'velero',
      uid: 'u-old',
      resourceVersion: '412',
      generation: 7,
      creationTimestamp: '2026-01-01T00:00:00Z',
      managedFields: [{}],
      labels: { 'velero.io/storage-location': 'primary', 'velero.io/schedule-name': 'daily' },
      annotations: { a: 'b' },
      ownerReferences: [
        { apiVersion: 'velero.io/v1', kind: 'Schedule', name: 'daily', uid: 's-1' },
        { apiVersion: 'velero.io/v1', kind: 'Schedule', name: 'gone', uid: 's-2' },
        { apiVersion: 'v1', kind: 'ConfigMap', name: 'x', uid: 'c-1' },
      ],
    },
    spec: { storageLocation: 'primary', ttl: '720h0m0s' },
    status: { phase: 'Finalizing', expiration: '2026-01-31T00:00:00Z' },
  };
  const b = importedBackup(original, { namespace: 'skiff', location: 'secondary', schedules: new Map([['daily', 's-1'], ['gone', 's-other']]), phase: 'PartiallyFailed' });
  assert.deepEqual(b.metadata, {
    name: 'daily-1',
    namespace: 'skiff',
    labels: { 'velero.io/storage-location': 'secondary', 'velero.io/schedule-name': 'daily' },
    annotations: { a: 'b' },
    ownerReferences: [
      { apiVersion: 'velero.io/v1', kind: 'Schedule', name: 'daily', uid: 's-1' },
      { apiVersion: 'v1', kind: 'ConfigMap', name: 'x', uid: 'c-1' },
    ],
  });
  assert.deepEqual(b.spec, { storageLocation: 'secondary', ttl: '720h0m0s' });
  assert.deepEqual(b.status, { phase: 'PartiallyFailed', expiration: '2026-01-31T00:00:00Z' });
  // A long location name becomes a label-safe value; no owners at all means no ownerReferences key.
  const long = 'l'.repeat(70);
  const c = importedBackup({ ...original, metadata: { name: 'x' } }, { namespace: 'skiff', location: long, schedules: new Map() });
  assert.equal(c.metadata.labels?.['velero.io/storage-location']?.length, 63);
  assert.equal('ownerReferences' in c.metadata, false);
  assert.equal(c.status?.phase, 'Finalizing');
  assert.equal(original.metadata?.namespace, 'velero', 'the stored object is not changed');
});

test('imported PodVolumeBackup: typed, in this namespace and location, owned by and labelled with the new Backup uid', () => {
  const pvb = {
    metadata: {
      name: 'b1-abcde',
      namespace: 'velero',
      uid: 'p-1',
      resourceVersion: '9',
      labels: { 'velero.io/backup-name': 'b1', 'velero.io/backup-uid': 'u-old' },
      ownerReferences: [{ apiVersion: 'velero.io/v1', kind: 'Backup', name: 'b1', uid: 'u-old', controller: true }],
    },
    spec: { node: 'n1', backupStorageLocation: 'primary', volume: 'data' },
    status: { phase: 'Completed', snapshotID: 'abc' },
  };
  const out = importedPodVolumeBackup(pvb, { namespace: 'skiff', location: 'secondary', backupName: 'b1', backupUid: 'u-new' });
  assert.equal(out.apiVersion, 'velero.io/v1');
  assert.equal(out.kind, 'PodVolumeBackup');
  assert.deepEqual(out.metadata, {
    name: 'b1-abcde',
    namespace: 'skiff',
    labels: { 'velero.io/backup-name': 'b1', 'velero.io/backup-uid': 'u-new' },
    ownerReferences: [{ apiVersion: 'velero.io/v1', kind: 'Backup', name: 'b1', uid: 'u-new', controller: true }],
  });
  assert.deepEqual(out.spec, { node: 'n1', backupStorageLocation: 'secondary', volume: 'data' });
  assert.deepEqual(out.status, { phase: 'Completed', snapshotID: 'abc' });
});

test('orphans: only finished backups (Completed, PartiallyFailed) of this location whose names storage no longer lists', () => {
  const b = (name: string, phase: string, loc = 'default', extra: Record<string, unknown> = {}): BackupLike =>
    ({ metadata: { name, labels: { 'velero.io/storage-location': loc }, ...extra }, status: { phase } }) as BackupLike;
  const inCluster = [
    b('kept', 'Completed'),
    b('gone', 'Completed'),
    b('gone-partly', 'PartiallyFailed'),
    b('gone-failed', 'Failed'),
    b('gone-running', 'InProgress'),
    b('gone-elsewhere', 'Completed', 'other'),
    b('gone-deleting', 'Completed', 'default', { deletionTimestamp: '2026-01-01T00:00:00Z' }),
  ];
  assert.deepEqual(orphansOf(inCluster, new Set(['kept']), 'default').map((x) => x.metadata.name), ['gone', 'gone-partly']);
});
