/** @module controllers/metrics-collector.test — metrics derived from phase transitions, fed synthetic changes. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LABEL_BACKUP_UID, LABEL_SCHEDULE_NAME, newBackup, newBackupStorageLocation, newDeleteBackupRequest, newRestore, newSchedule, type Backup, type DeleteBackupRequest, type Restore } from '../api/index.ts';
import { ServerMetrics } from '../metrics/index.ts';
import { backupPhaseChange, deletionChange, metricsHandlers, restorePhaseChange } from './metrics-collector.ts';

const NS = 'velero';
const NOW = new Date('2026-03-01T12:00:00Z');

function backup(name: string, status: Backup['status'], schedule?: string): Backup {
  return { ...newBackup(name, NS, {}, schedule ? { labels: { [LABEL_SCHEDULE_NAME]: schedule } } : {}), status };
}

function setup(known: Backup[] = []): { m: ServerMetrics; h: ReturnType<typeof metricsHandlers>; value(name: string, labels?: string): number | undefined } {
  const m = new ServerMetrics({ process: false });
  const h = metricsHandlers(m, (name) => known.find((b) => b.metadata.name === name), () => NOW);
  const value = (name: string, labels = '{schedule=""}'): number | undefined => {
    const line = m.registry.metrics().split('\n').find((l) => l.startsWith(`${name}${labels} `));
    return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(' ') + 1));
  };
  return { m, h, value };
}

test('backup phase changes: attempts, outcomes, and what counts nothing', () => {
  assert.deepEqual(backupPhaseChange(undefined, 'New'), { attempt: false });
  assert.deepEqual(backupPhaseChange('New', 'Queued'), { attempt: false });
  assert.deepEqual(backupPhaseChange('Queued', 'InProgress'), { attempt: true });
  assert.deepEqual(backupPhaseChange('InProgress', 'InProgress'), { attempt: false });
  assert.deepEqual(backupPhaseChange('InProgress', 'Completed'), { attempt: false, outcome: 'success' });
  assert.deepEqual(backupPhaseChange('InProgress', 'PartiallyFailed'), { attempt: false, outcome: 'partialFailure' });
  assert.deepEqual(backupPhaseChange('Finalizing', 'Failed'), { attempt: false, outcome: 'failure' });
  // A re-list that missed the middle: both the attempt and the outcome.
  assert.deepEqual(backupPhaseChange('', 'Completed'), { attempt: true, outcome: 'success' });
  assert.deepEqual(backupPhaseChange('New', 'FailedValidation'), { attempt: false, outcome: 'validationFailure' });
  assert.deepEqual(backupPhaseChange('Completed', 'Deleting'), { attempt: false });
  assert.deepEqual(backupPhaseChange('Deleting', 'Failed'), { attempt: false });
  // Created after the initial list: already running is an attempt; already finished (backup sync) is nothing.
  assert.deepEqual(backupPhaseChange(undefined, 'InProgress', true), { attempt: true });
  assert.deepEqual(backupPhaseChange(undefined, 'Completed', true), { attempt: false });
});

test('restore phase changes: validation failures are attempts too', () => {
  assert.deepEqual(restorePhaseChange('', 'InProgress'), { attempt: true });
  assert.deepEqual(restorePhaseChange('New', 'FailedValidation'), { attempt: true, outcome: 'validationFailure' });
  assert.deepEqual(restorePhaseChange('InProgress', 'Completed'), { attempt: false, outcome: 'success' });
  assert.deepEqual(restorePhaseChange('InProgress', 'Failed'), { attempt: false, outcome: 'failure' });
  assert.deepEqual(restorePhaseChange('InProgress', 'InProgress'), { attempt: false });
  assert.deepEqual(restorePhaseChange(undefined, 'Completed', true), { attempt: false });
});

test('deletion changes: refused requests count nothing; a missed InProgress is recovered from the uid label', () => {
  const dbr = (phase: string | undefined, errors?: string[], uid?: string): DeleteBackupRequest => ({
    ...newDeleteBackupRequest('d', NS, { backupName: 'b' }, uid ? { labels: { [LABEL_BACKUP_UID]: uid } } : {}),
    ...(phase ? { status: { phase: phase as 'New', ...(errors ? { errors } : {}) } } : {}),
  });
  assert.deepEqual(deletionChange(dbr(undefined), dbr('InProgress', undefined, 'u')), { attempt: true });
  assert.deepEqual(deletionChange(dbr('InProgress', undefined, 'u'), dbr('Processed', undefined, 'u')), { attempt: false, outcome: 'success' });
  assert.deepEqual(deletionChange(dbr('InProgress', undefined, 'u'), dbr('Processed', ['boom'], 'u')), { attempt: false, outcome: 'failure' });
  assert.deepEqual(deletionChange(dbr(undefined), dbr('Processed', ['backup is still in progress'])), { attempt: false });
  assert.deepEqual(deletionChange(dbr(undefined), dbr('Processed', undefined, 'u')), { attempt: true, outcome: 'success' });
});

test('a backup run end to end moves every backup metric once', () => {
  const { h, value } = setup();
  const b0 = backup('b', undefined);
  const b1 = backup('b', { phase: 'InProgress', startTimestamp: '2026-03-01T11:00:00Z' });
  const b2 = backup('b', { ...b1.status, phase: 'Completed', completionTimestamp: '2026-03-01T11:06:40Z', progress: { totalItems: 42, itemsBackedUp: 42 }, warnings: 2, errors: 0 });
  h.backupAdded(b0, false);
  h.backupUpdated(b0, b1);
  assert.equal(value('velero_backup_attempt_total'), 1);
  h.backupUpdated(b1, b2);
  h.backupUpdated(b2, { ...b2, metadata: { ...b2.metadata, annotations: { x: 'y' } } }); // not a phase change
  assert.equal(value('velero_backup_attempt_total'), 1);
  assert.equal(value('velero_backup_success_total'), 1);
  assert.equal(value('velero_backup_duration_seconds_count'), 1);
  assert.equal(value('velero_backup_duration_seconds_sum'), 400);
  assert.equal(value('velero_backup_duration_seconds_bucket', '{schedule="",le="300"}'), 0);
  assert.equal(value('velero_backup_duration_seconds_bucket', '{schedule="",le="600"}'), 1);
  assert.equal(value('velero_backup_last_status'), 1);
  assert.equal(value('velero_backup_last_successful_timestamp'), Date.parse('2026-03-01T11:06:40Z') / 1000);
  assert.equal(value('velero_backup_items_total'), 42);
  assert.equal(value('velero_backup_items_errors'), 0);
  assert.equal(value('velero_backup_warning_total'), 1);
});

test('failures and validation failures carry the schedule label and set the last status to 0', () => {
  const { h, value } = setup();
  const running = backup('s-1', { phase: 'InProgress', startTimestamp: '2026-03-01T11:00:00Z' }, 'nightly');
  h.backupUpdated(backup('s-1', { phase: 'Queued' }, 'nightly'), running);
  h.backupUpdated(running, backup('s-1', { ...running.status, phase: 'PartiallyFailed', completionTimestamp: '2026-03-01T11:00:30Z', errors: 3 }, 'nightly'));
  assert.equal(value('velero_backup_partial_failure_total', '{schedule="nightly"}'), 1);
  assert.equal(value('velero_backup_items_errors', '{schedule="nightly"}'), 3);
  assert.equal(value('velero_backup_last_status', '{schedule="nightly"}'), 0);
  h.backupUpdated(backup('v', { phase: 'New' }), backup('v', { phase: 'FailedValidation' }));
  assert.equal(value('velero_backup_validation_failure_total'), 1);
  assert.equal(value('velero_backup_attempt_total'), 0);
  assert.equal(value('velero_backup_last_status'), 0);
});

test('objects of the initial list count nothing but seed the last-backup gauges with the newest', () => {
  const { h, value } = setup();
  h.backupAdded(backup('old', { phase: 'Completed', startTimestamp: '2026-02-01T00:00:00Z', completionTimestamp: '2026-02-01T00:01:00Z', progress: { totalItems: 5 } }), true);
  h.backupAdded(backup('newer', { phase: 'Failed', startTimestamp: '2026-02-02T00:00:00Z', completionTimestamp: '2026-02-02T00:01:00Z' }), true);
  h.backupAdded(backup('running', { phase: 'InProgress' }), true);
  h.restoreAdded({ ...newRestore('r', NS, { backupName: 'old' }), status: { phase: 'Completed' } }, true);
  assert.equal(value('velero_backup_attempt_total'), 0);
  assert.equal(value('velero_backup_success_total'), 0);
  assert.equal(value('velero_backup_failure_total'), 0);
  assert.equal(value('velero_restore_success_total'), 0);
  assert.equal(value('velero_backup_duration_seconds_count'), undefined);
  assert.equal(value('velero_backup_last_status'), 0);
  assert.equal(value('velero_backup_last_successful_timestamp'), Date.parse('2026-02-01T00:01:00Z') / 1000);
  assert.equal(value('velero_backup_items_total'), 5);
  // Backup sync bringing in a finished backup later is not a backup this server ran.
  h.backupAdded(backup('synced', { phase: 'Completed', completionTimestamp: '2026-02-03T00:00:00Z' }), false);
  assert.equal(value('velero_backup_success_total'), 0);
});

test('restores: attempt and outcome by the restore spec schedule name', () => {
  const { h, value } = setup();
  const r0: Restore = newRestore('r', NS, { scheduleName: 'nightly' });
  const r1: Restore = { ...r0, status: { phase: 'InProgress' } };
  h.restoreAdded(r0, false);
  h.restoreUpdated(r0, r1);
  h.restoreUpdated(r1, { ...r0, status: { phase: 'PartiallyFailed' } });
  assert.equal(value('velero_restore_attempt_total', '{schedule="nightly"}'), 1);
  assert.equal(value('velero_restore_partial_failure_total', '{schedule="nightly"}'), 1);
  const v0 = newRestore('v', NS, { backupName: 'x' });
  h.restoreUpdated(v0, { ...v0, status: { phase: 'FailedValidation' } });
  assert.equal(value('velero_restore_attempt_total'), 1);
  assert.equal(value('velero_restore_validation_failed_total'), 1);
});

test("deletions take the schedule of the deleted backup, remembered after the backup is gone", () => {
  const known = [backup('b', { phase: 'Completed' }, 'nightly')];
  const { h, value } = setup(known);
  const d0 = newDeleteBackupRequest('d', NS, { backupName: 'b' });
  const d1: DeleteBackupRequest = { ...d0, metadata: { ...d0.metadata, labels: { [LABEL_BACKUP_UID]: 'u' } }, status: { phase: 'InProgress' } };
  h.requestAdded(d0, false);
  h.requestUpdated(d0, d1);
  known.length = 0; // the backup is deleted before the request is Processed
  h.requestUpdated(d1, { ...d1, status: { phase: 'Processed' } });
  assert.equal(value('velero_backup_deletion_attempt_total', '{schedule="nightly"}'), 1);
  assert.equal(value('velero_backup_deletion_success_total', '{schedule="nightly"}'), 1);
});

test('schedules: counters at zero, the expected interval, and removal with the schedule', () => {
  const { h, m, value } = setup();
  const s = newSchedule('hourly', NS, { schedule: '0 * * * *', template: {} });
  h.scheduleSeen(s);
  assert.equal(value('velero_backup_attempt_total', '{schedule="hourly"}'), 0);
  assert.equal(value('velero_schedule_expected_interval_seconds', '{schedule="hourly"}'), 3600);
  h.scheduleSeen({ ...s, spec: { schedule: '0 * * * *', template: {}, paused: true } });
  assert.equal(value('velero_schedule_expected_interval_seconds', '{schedule="hourly"}'), undefined);
  h.scheduleSeen({ ...s, spec: { schedule: 'not a cron', template: {} } });
  assert.equal(value('velero_schedule_expected_interval_seconds', '{schedule="hourly"}'), undefined);
  h.scheduleDeleted(s);
  assert.doesNotMatch(m.registry.metrics(), /hourly/);
});

test('counts and location states come from the caches at scrape time', () => {
  const { h, m, value } = setup();
  const loc = (name: string, phase?: 'Available' | 'Unavailable') => ({ ...newBackupStorageLocation(name, NS, { provider: 'aws', objectStorage: { bucket: 'b' } }), ...(phase ? { status: { phase } } : {}) });
  m.registry.onCollect(() => h.collect({ backups: 3, restores: 1, locations: [loc('a', 'Available'), loc('b', 'Unavailable'), loc('c')] }));
  assert.equal(value('velero_backup_total', ''), 3);
  assert.equal(value('velero_restore_total', ''), 1);
  assert.equal(value('velero_backup_location_status_gauge', '{backup_location_name="a"}'), 1);
  assert.equal(value('velero_backup_location_status_gauge', '{backup_location_name="b"}'), 0);
  assert.equal(value('velero_backup_location_status_gauge', '{backup_location_name="c"}'), undefined);
});
