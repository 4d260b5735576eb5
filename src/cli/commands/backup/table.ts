/** @module cli/commands/backup/table — velero's `backup get` columns, cell rules and row order. */
import type { Backup, LabelSelector } from '../../../api/index.ts';
import { parseGoDuration } from '../../../util/duration.ts';
import type { Column } from '../../output/print.ts';
import { formatTimestamp, timeFromNow } from '../../output/time.ts';

/**
 * metav1.FormatLabelSelector: requirements sorted by key, `k=v` for matchLabels, `k in (a,b)` with sorted
 * values, `k notin (…)`, `k`, `!k`; `<none>` for no selector or an empty one.
 */
export function formatSelector(sel: LabelSelector | null | undefined): string {
  const parts: Array<[string, string]> = Object.entries(sel?.matchLabels ?? {}).map(([k, v]) => [k, `${k}=${v}`]);
  for (const r of sel?.matchExpressions ?? []) {
    const values = [...(r.values ?? [])].sort().join(',');
    const text =
      r.operator === 'In' ? `${r.key} in (${values})` : r.operator === 'NotIn' ? `${r.key} notin (${values})` : r.operator === 'Exists' ? r.key : `!${r.key}`;
    parts.push([r.key, text]);
  }
  const text = parts
    .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
    .map(([, t]) => t)
    .join(',');
  return text === '' ? '<none>' : text;
}

/** Empty phase reads New; anything being deleted reads Deleting, whatever its phase says. */
export function backupStatus(b: Backup): string {
  if (b.metadata.deletionTimestamp) return 'Deleting';
  return b.status?.phase || 'New';
}

/** status.expiration, else creation + ttl when a ttl is set (the server has not started the backup yet). */
export function backupExpiration(b: Backup): Date | undefined {
  const expiration = b.status?.expiration;
  if (expiration) return new Date(expiration);
  let ttlMs = 0;
  try {
    ttlMs = b.spec?.ttl ? parseGoDuration(b.spec.ttl) : 0;
  } catch {
    ttlMs = 0;
  }
  const created = b.metadata.creationTimestamp;
  if (ttlMs > 0 && created) return new Date(Date.parse(created) + ttlMs);
  return undefined;
}

/**
 * NAME STATUS ERRORS WARNINGS CREATED EXPIRES STORAGE LOCATION QUEUE POSITION SELECTOR. CREATED is the start
 * time (`<nil>` before the server starts it, as velero prints a nil time); EXPIRES is relative to `now`.
 */
export function backupColumns(now: () => Date = () => new Date()): Column<Backup>[] {
  return [
    { header: 'Name', value: (b) => b.metadata.name },
    { header: 'Status', value: backupStatus },
    { header: 'Errors', value: (b) => b.status?.errors ?? 0 },
    { header: 'Warnings', value: (b) => b.status?.warnings ?? 0 },
    { header: 'Created', value: (b) => (b.status?.startTimestamp ? formatTimestamp(b.status.startTimestamp) : '<nil>') },
    { header: 'Expires', value: (b) => timeFromNow(backupExpiration(b), now()) },
    { header: 'Storage Location', value: (b) => b.spec?.storageLocation ?? '' },
    { header: 'Queue Position', value: (b) => (b.status?.queuePosition ? b.status.queuePosition : '') },
    { header: 'Selector', value: (b) => formatSelector(b.spec?.labelSelector), noneIfEmpty: true },
  ];
}

const TIMESTAMP_SUFFIX = /-\d{14}$/;

/**
 * Velero's order: by name, except that names sharing a prefix before a `-YYYYMMDDhhmmss` suffix (a
 * schedule's backups) are listed newest first within that prefix.
 */
export function compareBackupNames(a: string, b: string): number {
  const ma = TIMESTAMP_SUFFIX.exec(a);
  const mb = TIMESTAMP_SUFFIX.exec(b);
  if (ma && mb && a.slice(0, ma.index) === b.slice(0, mb.index)) {
    const sa = a.slice(ma.index);
    const sb = b.slice(mb.index);
    return sa === sb ? 0 : sa > sb ? -1 : 1;
  }
  return a === b ? 0 : a < b ? -1 : 1;
}

/** Rows in compareBackupNames order; restores are named the same way (`<backup or schedule>-<stamp>`). */
export function sortByTimestampedName<T extends { metadata: { name?: string } }>(items: readonly T[]): T[] {
  return [...items].sort((x, y) => compareBackupNames(x.metadata.name ?? '', y.metadata.name ?? ''));
}
export const sortBackups = sortByTimestampedName;
