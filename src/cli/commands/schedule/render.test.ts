/** @module cli/commands/schedule/render.test — `schedule get` table and `schedule describe` text (fixed clock, no cluster). */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Schedule } from '../../../api/index.ts';
import { renderObjects } from '../../output/print.ts';
import { captureStream } from '../../testing.ts';
import { renderScheduleDescription } from './describe-render.ts';
import { scheduleColumns } from './table.ts';

const NOW = new Date('2025-01-10T12:00:00Z');

function schedule(name: string, spec: Partial<NonNullable<Schedule['spec']>>, status?: Schedule['status']): Schedule {
  return {
    apiVersion: 'velero.io/v1',
    kind: 'Schedule',
    metadata: { name, namespace: 'velero', creationTimestamp: '2025-01-01T08:00:00Z' },
    spec: { schedule: '@daily', template: {}, ...spec },
    ...(status ? { status } : {}),
  };
}

test('schedule get: velero columns', () => {
  const items = [
    schedule('nightly', { schedule: '0 3 * * *', template: { ttl: '72h', labelSelector: { matchLabels: { app: 'shop' } } } }, { phase: 'Enabled', lastBackup: '2025-01-10T03:00:00Z' }),
    schedule('fresh', { schedule: '@every 5m', paused: true }),
    schedule('broken', { schedule: '61 * * * *' }, { phase: 'FailedValidation', validationErrors: ['invalid schedule: minute field "61": 61 is above the maximum 59'] }),
  ];
  const text = renderObjects(items, { format: 'table', kind: 'Schedule', apiVersion: 'velero.io/v1', columns: scheduleColumns(() => NOW), stdout: captureStream() });
  assert.equal(
    text,
    [
      'NAME      STATUS             CREATED                         SCHEDULE     BACKUP TTL   LAST BACKUP   SELECTOR   PAUSED',
      'nightly   Enabled            2025-01-01 08:00:00 +0000 UTC   0 3 * * *    72h0m0s      9h ago        app=shop   false',
      'fresh     New                2025-01-01 08:00:00 +0000 UTC   @every 5m    0s           n/a           <none>     true',
      'broken    FailedValidation   2025-01-01 08:00:00 +0000 UTC   61 * * * *   0s           n/a           <none>     false',
      '',
    ].join('\n'),
  );
});

test('schedule describe: metadata, phase, errors, paused, schedule, the template indented, last backup', () => {
  const s = schedule(
    'nightly',
    { schedule: 'CRON_TZ=Europe/Berlin 0 3 * * *', template: { includedNamespaces: ['app'], ttl: '72h0m0s', storageLocation: 'default' } },
    { phase: 'FailedValidation', validationErrors: ['first problem', 'second problem'] },
  );
  s.metadata.labels = { team: 'x' };
  const text = renderScheduleDescription(s, false);
  const expected = [
    'Name:         nightly',
    'Namespace:    velero',
    'Labels:       team=x',
    'Annotations:  <none>',
    '',
    'Phase:  FailedValidation',
    '',
    'Validation errors:  first problem',
    '                    second problem',
    '',
    'Paused:  false',
    '',
    'Schedule:  CRON_TZ=Europe/Berlin 0 3 * * *',
    '',
    'Backup Template:',
    '  Namespaces:',
    '    Included:  app',
    '    Excluded:  <none>',
    '',
    '  Resources:',
    '    Included:        *',
    '    Excluded:        <none>',
    '    Cluster-scoped:  auto',
    '',
    '  Label selector:  <none>',
    '',
    '  Or label selector:  <none>',
    '',
    '  Storage Location:  default',
    '',
    '  Velero-Native Snapshot PVs:    auto',
    '  File System Backup (Default):  auto',
    '  Snapshot Move Data:            auto',
    '  Data Mover:                    velero',
    '',
    '  TTL:  72h0m0s',
    '',
    '  CSISnapshotTimeout:    0s',
    '  ItemOperationTimeout:  0s',
    '',
    '  Hooks:  <none>',
    '',
    'Last Backup:  <never>',
    '',
  ].join('\n');
  assert.equal(text, expected);
  const ran = renderScheduleDescription(schedule('n', { paused: true }, { phase: 'Enabled', lastBackup: '2025-01-10T03:00:00Z' }), false);
  assert.match(ran, /\nPaused:  true\n/);
  assert.match(ran, /\nLast Backup:  2025-01-10 03:00:00 \+0000 UTC\n$/);
  assert.doesNotMatch(ran, /Validation errors/);
});
