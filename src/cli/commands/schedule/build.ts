/** @module cli/commands/schedule/build — the Schedule `skiff schedule create` sends, built from its flags without touching a cluster. */
import { newSchedule, type Schedule, type ScheduleSpec } from '../../../api/index.ts';
import type { ObjectMeta } from '../../../kube/index.ts';
import { cronProblem } from '../../../schedule/index.ts';
import { createFlagProblem, CreateFlagError, nameFirst, sendable, specFromFlags, type BackupCreateOptions } from '../backup/build.ts';

/** `schedule create`'s flags: every backup-create flag that shapes a spec, and the schedule's own. */
export interface ScheduleCreateOptions extends Omit<BackupCreateOptions, 'fromSchedule'> {
  schedule?: string;
  useOwnerReferencesInBackup?: boolean;
  paused?: boolean;
  /** Absent leaves the field unset: the server's `--schedule-skip-immediately` decides. */
  skipImmediately?: boolean;
}

/** The first problem with the flags (velero's checks, and the expression checked here rather than by the server), or undefined. */
export function scheduleFlagProblem(o: ScheduleCreateOptions): string | undefined {
  if (o.name === undefined || o.name === '') return 'accepts 1 arg(s), received 0';
  if (o.schedule === undefined || o.schedule.trim() === '') return '--schedule is required';
  const cron = cronProblem(o.schedule);
  if (cron.error !== undefined) return `--schedule: ${cron.error}`;
  return createFlagProblem({ ...o, fromSchedule: undefined });
}

/**
 * The Schedule `schedule create` would send: the template as `backup create` builds a spec; `--labels` and
 * `--annotations` on the schedule itself (its backups inherit them); velero's field order and omissions
 * (`paused` only when true, `useOwnerReferencesInBackup` always). Throws CreateFlagError naming the flag.
 */
export function buildSchedule(o: ScheduleCreateOptions, namespace: string): Schedule {
  const problem = scheduleFlagProblem(o);
  if (problem !== undefined) throw new CreateFlagError(problem);
  const spec: ScheduleSpec = { template: specFromFlags(o), schedule: o.schedule ?? '', useOwnerReferencesInBackup: o.useOwnerReferencesInBackup ?? false };
  if (o.paused === true) spec.paused = true;
  if (o.skipImmediately !== undefined) spec.skipImmediately = o.skipImmediately;
  const meta: ObjectMeta = {};
  if (o.labels !== undefined && Object.keys(o.labels).length > 0) meta.labels = { ...o.labels };
  if (o.annotations !== undefined && Object.keys(o.annotations).length > 0) meta.annotations = { ...o.annotations };
  return nameFirst(newSchedule(o.name ?? '', namespace, spec, meta));
}

/** buildSchedule, then the schema check every object we send passes. */
export function buildValidSchedule(o: ScheduleCreateOptions, namespace: string): Schedule {
  return sendable('Schedule', buildSchedule(o, namespace));
}
