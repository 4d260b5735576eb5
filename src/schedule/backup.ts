/**
 * @module schedule/backup: the Backup a schedule makes — one piece of code for the schedule controller and for
 * `skiff backup create --from-schedule`.
 */
import { GROUP_VERSION_V1, LABEL_SCHEDULE_NAME, labelSafeName, newBackup, type Backup, type Schedule } from '../api/index.ts';
import type { ObjectMeta, OwnerReference } from '../kube/index.ts';

/**
 * `<prefix>-<YYYYMMDDhhmmss>`: how a schedule's backups are named (UTC), and restores without a name (the local
 * time of the machine running the CLI, as velero does).
 */
export function timestampedName(prefix: string, when: Date, zone: 'utc' | 'local' = 'utc'): string {
  const p = (n: number): string => String(n).padStart(2, '0');
  const [y, mo, d, h, mi, s] =
    zone === 'utc'
      ? [when.getUTCFullYear(), when.getUTCMonth(), when.getUTCDate(), when.getUTCHours(), when.getUTCMinutes(), when.getUTCSeconds()]
      : [when.getFullYear(), when.getMonth(), when.getDate(), when.getHours(), when.getMinutes(), when.getSeconds()];
  return `${prefix}-${y}${p(mo + 1)}${p(d)}${p(h)}${p(mi)}${p(s)}`;
}

/** The longest object name Kubernetes accepts; a schedule's backup names are 15 characters longer than it. */
export const MAX_NAME_LENGTH = 253;
const STAMP_LENGTH = '-YYYYMMDDhhmmss'.length;

/** True when `<name>-<YYYYMMDDhhmmss>` still fits in an object name. */
export function backupNameFits(scheduleName: string): boolean {
  return scheduleName.length + STAMP_LENGTH <= MAX_NAME_LENGTH;
}

/**
 * The metadata of a schedule's backup: the template's labels (else the schedule's), plus
 * `velero.io/schedule-name`; the schedule's annotations; an owner reference to the schedule (as its
 * controller) when it asks for one.
 */
export function scheduledBackupMeta(schedule: Schedule): ObjectMeta {
  const name = schedule.metadata.name ?? '';
  const templateLabels = schedule.spec?.template.metadata?.labels;
  const labels = { ...(templateLabels ?? schedule.metadata.labels ?? {}), [LABEL_SCHEDULE_NAME]: labelSafeName(name) };
  const meta: ObjectMeta = { labels };
  const annotations = schedule.metadata.annotations;
  if (annotations !== undefined && Object.keys(annotations).length > 0) meta.annotations = { ...annotations };
  if (schedule.spec?.useOwnerReferencesInBackup === true) {
    const owner: OwnerReference = { apiVersion: GROUP_VERSION_V1, kind: 'Schedule', name, uid: schedule.metadata.uid ?? '', controller: true };
    meta.ownerReferences = [owner];
  }
  return meta;
}

/** A Backup from the schedule: its template (copied) as the spec, with scheduledBackupMeta, in the schedule's namespace. */
export function backupFromSchedule(schedule: Schedule, name: string, namespace = schedule.metadata.namespace ?? ''): Backup {
  const spec = structuredClone(schedule.spec?.template ?? {});
  return newBackup(name, namespace, spec, scheduledBackupMeta(schedule));
}
