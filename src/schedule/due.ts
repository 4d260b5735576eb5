/** @module schedule/due: when a Schedule runs next, from its status — Velero's base time, Skiff's single catch-up. */
import { parseKubeTime, type Schedule } from '../api/index.ts';
import type { CronSchedule } from './cron.ts';

function time(text: string | null | undefined): number | undefined {
  if (!text) return undefined;
  try {
    return parseKubeTime(text).getTime();
  } catch {
    return undefined;
  }
}

/**
 * The time runs are counted from: the last backup, else the schedule's creation; a later skip
 * (`status.lastSkipped`) moves it forward. Undefined only for an object the API server never stored.
 */
export function scheduleBase(schedule: Schedule): Date | undefined {
  const last = time(schedule.status?.lastBackup) ?? time(schedule.metadata.creationTimestamp);
  const skipped = time(schedule.status?.lastSkipped);
  const base = last === undefined ? skipped : skipped === undefined ? last : Math.max(last, skipped);
  return base === undefined ? undefined : new Date(base);
}

/**
 * The next run: the first tick after the base. A run is due once now reaches it; however many ticks were
 * missed since (the server was down), it is one run, because a run moves the base to its own time.
 */
export function nextRun(schedule: Schedule, cron: CronSchedule): Date | undefined {
  const base = scheduleBase(schedule);
  return base === undefined ? undefined : cron.next(base);
}
