/** @module cli/commands/restore/table.test — `restore get` golden table, row order and the `--wait` progress line. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Restore } from '../../../api/index.ts';
import { renderObjects } from '../../output/print.ts';
import { captureStream } from '../../testing.ts';
import { sortRestores } from './get.ts';
import { restoreColumns, restoreProgressLine, restoreStatus } from './table.ts';

function restore(name: string, backupName: string, status?: Restore['status'], extra: { spec?: Restore['spec']; meta?: Partial<Restore['metadata']> } = {}): Restore {
  return {
    apiVersion: 'velero.io/v1',
    kind: 'Restore',
    metadata: { name, namespace: 'velero', creationTimestamp: '2025-01-10T11:00:00Z', ...extra.meta },
    spec: { backupName, ...extra.spec },
    ...(status ? { status } : {}),
  };
}

const items: Restore[] = [
  restore('nightly-20250110110000', 'nightly', {
    phase: 'Completed', startTimestamp: '2025-01-10T11:00:01Z', completionTimestamp: '2025-01-10T11:02:30Z', warnings: 3,
  }),
  restore('adhoc', 'weekly'),
  restore('partly', 'nightly', { phase: 'PartiallyFailed', startTimestamp: '2025-01-10T11:05:00Z', completionTimestamp: '2025-01-10T11:06:00Z', errors: 2, warnings: 1 }, {
    spec: { labelSelector: { matchLabels: { tier: 'db', app: 'shop' } } },
  }),
  restore('invalid', 'gone', { phase: 'FailedValidation', validationErrors: ['backup not found'] }, { meta: { creationTimestamp: '2025-01-10T12:00:00Z' } }),
  restore('nightly-20250111110000', 'nightly', { phase: 'InProgress', startTimestamp: '2025-01-11T11:00:00Z', progress: { totalItems: 40, itemsRestored: 12 } }),
  restore('leaving', 'nightly', { phase: 'Completed' }, { meta: { deletionTimestamp: '2025-01-10T12:00:00Z' } }),
];

test('restore get: velero columns, <nil> for unset times, CREATED is the creation time, <none> selector', () => {
  const text = renderObjects(sortRestores(items), {
    format: 'table',
    kind: 'Restore',
    apiVersion: 'velero.io/v1',
    columns: restoreColumns(),
    stdout: captureStream(),
  });
  assert.equal(
    text,
    [
      'NAME                     BACKUP    STATUS             STARTED                         COMPLETED                       ERRORS   WARNINGS   CREATED                         SELECTOR',
      'nightly-20250110110000   nightly   Completed          2025-01-10 11:00:01 +0000 UTC   2025-01-10 11:02:30 +0000 UTC   0        3          2025-01-10 11:00:00 +0000 UTC   <none>',
      'adhoc                    weekly    New                <nil>                           <nil>                           0        0          2025-01-10 11:00:00 +0000 UTC   <none>',
      'partly                   nightly   PartiallyFailed    2025-01-10 11:05:00 +0000 UTC   2025-01-10 11:06:00 +0000 UTC   2        1          2025-01-10 11:00:00 +0000 UTC   app=shop,tier=db',
      'invalid                  gone      FailedValidation   <nil>                           <nil>                           0        0          2025-01-10 12:00:00 +0000 UTC   <none>',
      'nightly-20250111110000   nightly   InProgress         2025-01-11 11:00:00 +0000 UTC   <nil>                           0        0          2025-01-10 11:00:00 +0000 UTC   <none>',
      'leaving                  nightly   Completed          <nil>                           <nil>                           0        0          2025-01-10 11:00:00 +0000 UTC   <none>',
      '',
    ].join('\n'),
  );
});

test('rows keep the order the API server (or the NAMES arguments) gave: velero regroups backups, never restores', () => {
  const order = sortRestores(items).map((r) => r.metadata.name);
  assert.deepEqual(order, items.map((r) => r.metadata.name));
  assert.notEqual(sortRestores(items), items, 'a copy');
});

test('status: the phase, New when empty; a deletion shows in describe only', () => {
  assert.equal(restoreStatus(restore('a', 'b')), 'New');
  assert.equal(restoreStatus(restore('a', 'b', { phase: '' as never })), 'New');
  assert.equal(restoreStatus(restore('a', 'b', { phase: 'Completed' }, { meta: { deletionTimestamp: '2025-01-10T12:00:00Z' } })), 'Completed');
});

test('--wait on a terminal: phase, items restored when known, seconds waited', () => {
  assert.equal(restoreProgressLine(undefined, 1500), 'New (1s)');
  assert.equal(restoreProgressLine(restore('a', 'b', { phase: 'InProgress' }), 0), 'InProgress (0s)');
  assert.equal(restoreProgressLine(restore('a', 'b', { phase: 'InProgress', progress: { totalItems: 40, itemsRestored: 12 } }), 12_999), 'InProgress, items restored: 12/40 (12s)');
  assert.equal(restoreProgressLine(restore('a', 'b', { phase: 'Completed', progress: { totalItems: 40 } }), 20_000), 'Completed, items restored: 0/40 (20s)');
});

test('-L and --show-labels add label columns, as for every get', () => {
  const labelled = restore('r', 'b', { phase: 'Completed' }, { meta: { labels: { 'example.com/team': 'ops', env: 'prod' } } });
  const text = renderObjects([labelled], {
    format: 'table',
    kind: 'Restore',
    apiVersion: 'velero.io/v1',
    columns: restoreColumns(),
    stdout: captureStream(),
    labelColumns: ['example.com/team'],
    showLabels: true,
  });
  const [header, row] = text.split('\n');
  assert.match(header ?? '', /SELECTOR   TEAM   LABELS$/);
  assert.match(row ?? '', /<none>     ops    env=prod,example\.com\/team=ops$/);
});
