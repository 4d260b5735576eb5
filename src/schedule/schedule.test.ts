import assert from 'node:assert/strict';
import { test } from 'node:test';
import { newSchedule, type Schedule } from '../api/index.ts';
import { backupFromSchedule, checkSchedule, nextRun, parseCron, scheduleBase, timestampedName } from './index.ts';

function schedule(overrides: { name?: string; spec?: Partial<Schedule['spec']>; status?: Schedule['status']; meta?: Partial<Schedule['metadata']> } = {}): Schedule {
  const s = newSchedule(overrides.name ?? 'daily', 'velero', { schedule: '@every 5s', template: { includedNamespaces: ['app'], ttl: '24h0m0s' }, ...overrides.spec } as Schedule['spec'] & object, {
    uid: 'uid-1',
    creationTimestamp: '2025-06-01T12:00:00Z',
    ...overrides.meta,
  });
  if (overrides.status) s.status = overrides.status;
  return s;
}

test('timestampedName: UTC by default, local on request', () => {
  assert.equal(timestampedName('s', new Date('2025-12-31T23:59:59.900Z')), 's-20251231235959');
  const local = new Date(2025, 0, 2, 3, 4, 5);
  assert.equal(timestampedName('r', local, 'local'), 'r-20250102030405');
});

test('backupFromSchedule: template as spec, template labels else schedule labels, schedule-name, annotations', () => {
  const plain = schedule({ meta: { labels: { team: 'a' }, annotations: { note: 'x' } } });
  const b = backupFromSchedule(plain, 'daily-20250601120005');
  assert.deepEqual(b.spec, { includedNamespaces: ['app'], ttl: '24h0m0s' });
  assert.deepEqual(b.metadata.labels, { team: 'a', 'velero.io/schedule-name': 'daily' });
  assert.deepEqual(b.metadata.annotations, { note: 'x' });
  assert.equal(b.metadata.namespace, 'velero');
  assert.equal(b.metadata.ownerReferences, undefined);
  b.spec!.includedNamespaces!.push('changed');
  assert.deepEqual(plain.spec?.template.includedNamespaces, ['app'], 'the template is copied, not shared');

  const templated = schedule({ meta: { labels: { team: 'a' } }, spec: { template: { metadata: { labels: { tier: 'gold' } } }, useOwnerReferencesInBackup: true } });
  const t = backupFromSchedule(templated, 'n');
  assert.deepEqual(t.metadata.labels, { tier: 'gold', 'velero.io/schedule-name': 'daily' });
  assert.deepEqual(t.metadata.ownerReferences, [{ apiVersion: 'velero.io/v1', kind: 'Schedule', name: 'daily', uid: 'uid-1', controller: true }]);

  const long = 'x'.repeat(70);
  assert.equal(backupFromSchedule(schedule({ name: long }), 'n').metadata.labels?.['velero.io/schedule-name']?.length, 63);
});

test('the base: last backup or creation, moved forward by a later skip', () => {
  assert.equal(scheduleBase(schedule())?.toISOString(), '2025-06-01T12:00:00.000Z');
  assert.equal(scheduleBase(schedule({ status: { lastBackup: '2025-06-02T00:00:00Z' } }))?.toISOString(), '2025-06-02T00:00:00.000Z');
  assert.equal(scheduleBase(schedule({ status: { lastBackup: '2025-06-02T00:00:00Z', lastSkipped: '2025-06-03T00:00:00Z' } }))?.toISOString(), '2025-06-03T00:00:00.000Z');
  assert.equal(scheduleBase(schedule({ status: { lastBackup: '2025-06-04T00:00:00Z', lastSkipped: '2025-06-03T00:00:00Z' } }))?.toISOString(), '2025-06-04T00:00:00.000Z');
  assert.equal(scheduleBase(schedule({ meta: { creationTimestamp: undefined } })), undefined);
});

test('nextRun: one tick after the base, however long ago that was (one catch-up run)', () => {
  const hourly = parseCron('CRON_TZ=UTC @hourly');
  const s = schedule({ status: { lastBackup: '2025-06-01T03:10:00Z' } });
  assert.equal(nextRun(s, hourly)?.toISOString(), '2025-06-01T04:00:00.000Z');
});

test('checkSchedule: Velero messages for the expression; field-named template problems', () => {
  assert.deepEqual(checkSchedule(schedule()).errors, []);
  assert.ok(checkSchedule(schedule()).cron);
  assert.deepEqual(checkSchedule(schedule({ spec: { schedule: '' } })).errors, ['Schedule must be a non-empty valid Cron expression']);
  const bad = checkSchedule(schedule({ spec: { schedule: '61 * * * *' } }));
  assert.equal(bad.cron, undefined);
  assert.deepEqual(bad.errors, ['invalid schedule: minute field "61": 61 is above the maximum 59']);
  const template = checkSchedule(
    schedule({ spec: { template: { includedNamespaces: ['a', '*'], excludedNamespaces: ['*'], labelSelector: { matchLabels: { 'bad key!': 'v' } } } } }),
  ).errors;
  assert.ok(template.every((e) => e.startsWith('spec.template.')), template.join('\n'));
  assert.ok(template.some((e) => e.includes('spec.template.includedNamespaces')));
  assert.ok(template.some((e) => e.includes('spec.template.labelSelector.matchLabels')));
  const schema = checkSchedule(schedule({ spec: { template: { ttl: 'soon' } } })).errors;
  assert.deepEqual(schema, ['spec.template.ttl: must be a Go duration like 720h0m0s, 10m or 1h30m']);
  assert.match(checkSchedule(schedule({ name: 'n'.repeat(240) })).errors.join(), /metadata\.name: too long/);
});
