/**
 * @module metrics/server-metrics: Velero's server metric families, with Velero's names, types, labels
 * and buckets (velero-interfaces.md §8), so dashboards and alerts written for Velero keep working.
 * The label `schedule` is the backup's `velero.io/schedule-name` label, `""` for a manual backup.
 */
import type { Counter, Gauge, Histogram } from './registry.ts';
import { Registry } from './registry.ts';
import { registerProcessMetrics } from './process.ts';

/** Velero's backup-duration buckets, in seconds: 1 minute to 4 hours. */
export const BACKUP_DURATION_BUCKETS: readonly number[] = [60, 300, 600, 900, 1800, 3600, 7200, 10800, 14400];

const S = ['schedule'] as const;

export class ServerMetrics {
  readonly registry: Registry;
  readonly backupTotal: Gauge;
  readonly backupAttempt: Counter;
  readonly backupSuccess: Counter;
  readonly backupPartialFailure: Counter;
  readonly backupFailure: Counter;
  readonly backupValidationFailure: Counter;
  readonly backupDuration: Histogram;
  readonly backupLastSuccessfulTimestamp: Gauge;
  readonly backupLastStatus: Gauge;
  readonly backupItemsTotal: Gauge;
  readonly backupItemsErrors: Gauge;
  readonly backupTarballSize: Gauge;
  readonly backupWarning: Counter;
  readonly deletionAttempt: Counter;
  readonly deletionSuccess: Counter;
  readonly deletionFailure: Counter;
  readonly locationStatus: Gauge;
  readonly restoreTotal: Gauge;
  readonly restoreAttempt: Counter;
  readonly restoreSuccess: Counter;
  readonly restorePartialFailure: Counter;
  readonly restoreFailed: Counter;
  readonly restoreValidationFailed: Counter;
  readonly volumeSnapshotAttempt: Counter;
  readonly volumeSnapshotSuccess: Counter;
  readonly volumeSnapshotFailure: Counter;
  readonly scheduleExpectedInterval: Gauge;
  /** The families labelled by schedule, for initSchedule/removeSchedule. */
  readonly #perSchedule: Array<Counter | Gauge | Histogram>;
  readonly #scheduleCounters: Counter[];

  /** A fresh registry (with process metrics unless `process: false`) holding every Velero family. */
  constructor(opts: { registry?: Registry; process?: boolean } = {}) {
    const r = (this.registry = opts.registry ?? new Registry());
    if (opts.process !== false) registerProcessMetrics(r);
    const counter = (name: string, help: string): Counter => r.counter({ name, help, labelNames: S });
    const gauge = (name: string, help: string): Gauge => r.gauge({ name, help, labelNames: S });
    this.backupTotal = r.gauge({ name: 'velero_backup_total', help: 'Number of Backup objects in the server namespace.' });
    this.backupAttempt = counter('velero_backup_attempt_total', 'Backups that passed validation and started.');
    this.backupSuccess = counter('velero_backup_success_total', 'Backups that ended Completed.');
    this.backupPartialFailure = counter('velero_backup_partial_failure_total', 'Backups that ended PartiallyFailed.');
    this.backupFailure = counter('velero_backup_failure_total', 'Backups that ended Failed.');
    this.backupValidationFailure = counter('velero_backup_validation_failure_total', 'Backups that ended FailedValidation.');
    this.backupDuration = r.histogram({ name: 'velero_backup_duration_seconds', help: 'Time from start to completion of finished backups, in seconds.', labelNames: S, buckets: BACKUP_DURATION_BUCKETS });
    this.backupLastSuccessfulTimestamp = gauge('velero_backup_last_successful_timestamp', 'Completion time of the last Completed backup, in Unix seconds.');
    this.backupLastStatus = gauge('velero_backup_last_status', 'Outcome of the last finished backup: 1 Completed, 0 anything else.');
    this.backupTarballSize = gauge('velero_backup_tarball_size_bytes', 'Size of the last finished backup\'s tarball in object storage, in bytes.');
    this.backupItemsTotal = gauge('velero_backup_items_total', 'Items the last finished backup found to back up.');
    this.backupItemsErrors = gauge('velero_backup_items_errors', 'Errors the last finished backup reported.');
    this.backupWarning = counter('velero_backup_warning_total', 'Finished backups that reported warnings.');
    this.deletionAttempt = counter('velero_backup_deletion_attempt_total', 'Backup deletions started.');
    this.deletionSuccess = counter('velero_backup_deletion_success_total', 'Backup deletions that removed everything.');
    this.deletionFailure = counter('velero_backup_deletion_failure_total', 'Backup deletions that reported errors.');
    this.locationStatus = r.gauge({ name: 'velero_backup_location_status_gauge', help: 'Backup storage location phase: 1 Available, 0 Unavailable.', labelNames: ['backup_location_name'] });
    this.restoreTotal = r.gauge({ name: 'velero_restore_total', help: 'Number of Restore objects in the server namespace.' });
    this.restoreAttempt = counter('velero_restore_attempt_total', 'Restores taken up (validated or not).');
    this.restoreSuccess = counter('velero_restore_success_total', 'Restores that ended Completed.');
    this.restorePartialFailure = counter('velero_restore_partial_failure_total', 'Restores that ended PartiallyFailed.');
    this.restoreFailed = counter('velero_restore_failed_total', 'Restores that ended Failed.');
    this.restoreValidationFailed = counter('velero_restore_validation_failed_total', 'Restores that ended FailedValidation.');
    this.volumeSnapshotAttempt = counter('velero_volume_snapshot_attempt_total', 'Volume snapshots attempted (Skiff takes none yet).');
    this.volumeSnapshotSuccess = counter('velero_volume_snapshot_success_total', 'Volume snapshots that succeeded.');
    this.volumeSnapshotFailure = counter('velero_volume_snapshot_failure_total', 'Volume snapshots that failed.');
    this.scheduleExpectedInterval = gauge('velero_schedule_expected_interval_seconds', 'Gap between the next two runs of a schedule, in seconds.');
    this.#scheduleCounters = [
      this.backupAttempt, this.backupSuccess, this.backupPartialFailure, this.backupFailure, this.backupValidationFailure,
      this.deletionAttempt, this.deletionSuccess, this.deletionFailure, this.backupWarning,
      this.restoreAttempt, this.restoreSuccess, this.restorePartialFailure, this.restoreFailed, this.restoreValidationFailed,
      this.volumeSnapshotAttempt, this.volumeSnapshotSuccess, this.volumeSnapshotFailure,
    ];
    this.#perSchedule = [
      ...this.#scheduleCounters, this.backupDuration, this.backupLastSuccessfulTimestamp, this.backupLastStatus,
      this.backupItemsTotal, this.backupItemsErrors, this.scheduleExpectedInterval,
    ];
    this.initSchedule('');
  }

  /** Exports a schedule's counters at zero before its first event, as Velero does for each schedule (and `""`). */
  initSchedule(schedule: string): void {
    for (const c of this.#scheduleCounters) c.init({ schedule });
  }

  /** Forgets a deleted schedule's series. */
  removeSchedule(schedule: string): void {
    if (schedule === '') return;
    for (const f of this.#perSchedule) f.removeMatching('schedule', schedule);
  }
}
