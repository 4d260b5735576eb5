import assert from 'node:assert/strict';
import { test } from 'node:test';
import { newSchedule, type Schedule } from '../api/index.ts';
import { planSchedule } from './schedule-controller.ts';

const CREATED = '2025-06-01T12:00:00Z';

function schedule(spec: Partial<NonNullable<Schedule['spec']>> = {}, status?: Schedule['status']): Schedule {
  const s = newSchedule('nightly', 'velero', { schedule: 'CRON_TZ=UTC 0 2 * * *', template: {}, ...spec }, { creationTimestamp: CREATED, uid: 'u' });
  if (status) s.status = status;
  return s;
}

const at = (iso: string): Date => new Date(iso);

test('a new valid schedule becomes Enabled and is not due before its first tick', () => {
  const plan = planSchedule(schedule(), at('2025-06-01T12:00:05Z'), false);
  assert.deepEqual(plan, { patch: { status: { phase: 'Enabled' } }, wakeAt: at('2025-06-02T02:00:00Z') });
  // Once Enabled, nothing to write: only the timer.
  assert.deepEqual(planSchedule(schedule({}, { phase: 'Enabled' }), at('2025-06-01T12:00:05Z'), false), { wakeAt: at('2025-06-02T02:00:00Z') });
});

test('due exactly at the tick, for the tick; a long outage gives one run for the first missed tick', () => {
  const enabled = { phase: 'Enabled' as const, lastBackup: '2025-06-02T02:00:00Z' };
  assert.deepEqual(planSchedule(schedule({}, enabled), at('2025-06-03T02:00:00Z'), false), { due: at('2025-06-03T02:00:00Z') });
  assert.deepEqual(planSchedule(schedule({}, enabled), at('2025-06-03T01:59:59.999Z'), false), { wakeAt: at('2025-06-03T02:00:00Z') });
  // Down for five days: due once, for the first tick missed; the run then moves lastBackup to now.
  assert.deepEqual(planSchedule(schedule({}, enabled), at('2025-06-08T09:13:00Z'), false), { due: at('2025-06-03T02:00:00Z') });
  const afterRun = { ...enabled, lastBackup: '2025-06-08T09:13:00Z' };
  assert.deepEqual(planSchedule(schedule({}, afterRun), at('2025-06-08T09:13:01Z'), false), { wakeAt: at('2025-06-09T02:00:00Z') });
});

test('paused and deleted schedules are left alone, whatever their state', () => {
  assert.deepEqual(planSchedule(schedule({ paused: true, schedule: 'nonsense' }), at('2030-01-01T00:00:00Z'), true), {});
  const deleting = schedule();
  deleting.metadata.deletionTimestamp = '2025-06-01T13:00:00Z';
  assert.deepEqual(planSchedule(deleting, at('2030-01-01T00:00:00Z'), false), {});
});

test('invalid: FailedValidation with every problem, written once', () => {
  const plan = planSchedule(schedule({ schedule: '0 25 * * *', template: { ttl: 'forever' } }), at('2025-06-01T12:00:05Z'), false);
  const errors = ['invalid schedule: hour field "25": 25 is above the maximum 23', 'spec.template.ttl: must be a Go duration like 720h0m0s, 10m or 1h30m'];
  assert.deepEqual(plan, { patch: { status: { phase: 'FailedValidation', validationErrors: errors } } });
  assert.deepEqual(planSchedule(schedule({ schedule: '0 25 * * *', template: { ttl: 'forever' } }, { phase: 'FailedValidation', validationErrors: errors }), at('2025-06-01T12:00:05Z'), false), {});
  assert.deepEqual(planSchedule(schedule({ schedule: '' }), at('2025-06-01T12:00:05Z'), false).patch?.status?.['validationErrors'], [
    'Schedule must be a non-empty valid Cron expression',
  ]);
  // Fixed: Enabled again, the old errors cleared.
  const fixed = planSchedule(schedule({}, { phase: 'FailedValidation', validationErrors: errors }), at('2025-06-01T12:00:05Z'), false);
  assert.deepEqual(fixed.patch, { status: { phase: 'Enabled', validationErrors: null } });
});

test('skipImmediately: stamps lastSkipped, resets the field, and skips the overdue run', () => {
  const overdue = { phase: 'Enabled' as const, lastBackup: '2025-06-01T02:00:00Z' };
  const now = at('2025-06-05T10:00:00Z');
  assert.deepEqual(planSchedule(schedule({ skipImmediately: true }, overdue), now, false), {
    patch: { spec: { skipImmediately: false }, status: { lastSkipped: '2025-06-05T10:00:00Z' } },
    wakeAt: at('2025-06-06T02:00:00Z'),
  });
  // Unset: the server flag decides; false on the schedule wins over the flag.
  assert.equal(planSchedule(schedule({}, overdue), now, true).patch?.spec?.skipImmediately, false);
  assert.deepEqual(planSchedule(schedule({ skipImmediately: false }, overdue), now, true), { due: at('2025-06-02T02:00:00Z') });
  assert.deepEqual(planSchedule(schedule({ skipImmediately: null }, overdue), now, false), { due: at('2025-06-02T02:00:00Z') });
});

test('@every counts from the last run', () => {
  const plan = planSchedule(schedule({ schedule: '@every 5s' }, { phase: 'Enabled', lastBackup: '2025-06-01T12:00:05Z' }), at('2025-06-01T12:00:07Z'), false);
  assert.deepEqual(plan, { wakeAt: at('2025-06-01T12:00:10Z') });
});
