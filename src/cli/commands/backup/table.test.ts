/** @module cli/commands/backup/table.test — `backup get` golden table: columns, cell rules, row order (fixed clock). */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Backup } from '../../../api/index.ts';
import { renderObjects } from '../../output/print.ts';
import { captureStream } from '../../testing.ts';
import { backupColumns, compareBackupNames, formatSelector, sortBackups } from './table.ts';

const NOW = new Date('2025-01-10T12:00:00Z');

function backup(name: string, extra: { spec?: Backup['spec']; status?: Backup['status']; meta?: Partial<Backup['metadata']> } = {}): Backup {
  return {
    apiVersion: 'velero.io/v1',
    kind: 'Backup',
    metadata: { name, namespace: 'velero', creationTimestamp: '2025-01-10T11:00:00Z', ...extra.meta },
    spec: { storageLocation: 'default', ...extra.spec },
    ...(extra.status ? { status: extra.status } : {}),
  };
}

const items: Backup[] = [
  backup('daily-20250108030000', {
    status: { phase: 'Completed', startTimestamp: '2025-01-08T03:00:00Z', expiration: '2025-02-07T03:00:00Z', warnings: 2 },
  }),
  backup('adhoc', { spec: { storageLocation: '', ttl: '2h0m0s' } }),
  backup('daily-20250110030000', {
    status: { phase: 'PartiallyFailed', startTimestamp: '2025-01-10T03:00:00Z', expiration: '2025-02-09T03:00:00Z', errors: 1 },
    spec: { labelSelector: { matchLabels: { tier: 'db', app: 'shop' } } },
  }),
  backup('queued', { status: { phase: 'Queued', queuePosition: 3 } }),
  backup('old', { status: { phase: 'Completed', startTimestamp: '2024-12-01T00:00:00Z', expiration: '2025-01-09T09:00:00Z' } }),
  backup('daily-20250109030000', {
    status: { phase: 'Failed', startTimestamp: '2025-01-09T03:00:00Z', expiration: '2025-02-08T03:00:00Z' },
    meta: { deletionTimestamp: '2025-01-10T11:59:00Z' },
  }),
  backup('weekly-x', { status: { phase: 'InProgress', startTimestamp: '2025-01-10T11:59:30Z', expiration: '2025-01-10T12:00:00Z' } }),
];

test('backup get: velero columns and rules, schedule groups newest first', () => {
  const text = renderObjects(sortBackups(items), {
    format: 'table',
    kind: 'Backup',
    apiVersion: 'velero.io/v1',
    columns: backupColumns(() => NOW),
    stdout: captureStream(),
  });
  assert.equal(
    text,
    [
      'NAME                   STATUS            ERRORS   WARNINGS   CREATED                         EXPIRES   STORAGE LOCATION   QUEUE POSITION   SELECTOR',
      'adhoc                  New               0        0          <nil>                           1h                                            <none>',
      'daily-20250110030000   PartiallyFailed   1        0          2025-01-10 03:00:00 +0000 UTC   29d       default                             app=shop,tier=db',
      'daily-20250109030000   Deleting          0        0          2025-01-09 03:00:00 +0000 UTC   28d       default                             <none>',
      'daily-20250108030000   Completed         0        2          2025-01-08 03:00:00 +0000 UTC   27d       default                             <none>',
      'old                    Completed         0        0          2024-12-01 00:00:00 +0000 UTC   1d ago    default                             <none>',
      'queued                 Queued            0        0          <nil>                           n/a       default            3                <none>',
      'weekly-x               InProgress        0        0          2025-01-10 11:59:30 +0000 UTC   0s        default                             <none>',
      '',
    ].join('\n'),
  );
});

test('name order: plain names alphabetical; timestamp suffixes newest first only within the same prefix', () => {
  const names = ['b', 'a-20250101000000', 'a-20250102000000', 'a', 'ab-20240101000000', 'a-2025010200000'];
  assert.deepEqual([...names].sort(compareBackupNames), ['a', 'a-20250102000000', 'a-20250101000000', 'a-2025010200000', 'ab-20240101000000', 'b']);
});

test('selectors print like metav1.FormatLabelSelector', () => {
  assert.equal(formatSelector(undefined), '<none>');
  assert.equal(formatSelector({}), '<none>');
  assert.equal(
    formatSelector({ matchLabels: { z: '1' }, matchExpressions: [{ key: 'a', operator: 'NotIn', values: ['y', 'x'] }, { key: 'm', operator: 'Exists' }, { key: 'n', operator: 'DoesNotExist' }] }),
    'a notin (x,y),m,!n,z=1',
  );
});
