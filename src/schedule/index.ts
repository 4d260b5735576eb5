/** @module schedule: cron expressions (robfig/cron-compatible, zone-aware), when a Schedule is due, and the Backup it makes. */
export { parseCron, expectedIntervalMs, CronSyntaxError, type CronSchedule } from './cron.ts';
export { localZone, resolveZone, offsetAt, instantOf } from './zone.ts';
export { scheduleBase, nextRun } from './due.ts';
export { checkSchedule, cronProblem, EMPTY_SCHEDULE_MESSAGE, type ScheduleCheck } from './validate.ts';
export { backupFromSchedule, scheduledBackupMeta, timestampedName, backupNameFits, MAX_NAME_LENGTH } from './backup.ts';
