/** @module cli/commands/schedule/table — velero's `schedule get` columns. */
import type { Schedule } from '../../../api/index.ts';
import { formatGoDuration, parseGoDuration } from '../../../util/duration.ts';
import type { Column } from '../../output/print.ts';
import { formatTimestamp, timeFromNow } from '../../output/time.ts';
import { formatSelector } from '../backup/table.ts';

/** Empty phase reads New. */
export function scheduleStatus(s: Schedule): string {
  return s.status?.phase || 'New';
}

/** The template's ttl as Go prints a Duration (`0s` when unset, `720h0m0s`); as written when it does not parse. */
export function templateTtl(s: Schedule): string {
  const ttl = s.spec?.template.ttl;
  if (!ttl) return '0s';
  try {
    return formatGoDuration(parseGoDuration(ttl));
  } catch {
    return ttl;
  }
}

/** NAME STATUS CREATED SCHEDULE BACKUP TTL LAST BACKUP SELECTOR PAUSED; LAST BACKUP is relative to `now`. */
export function scheduleColumns(now: () => Date = () => new Date()): Column<Schedule>[] {
  return [
    { header: 'Name', value: (s) => s.metadata.name },
    { header: 'Status', value: scheduleStatus },
    { header: 'Created', value: (s) => (s.metadata.creationTimestamp ? formatTimestamp(s.metadata.creationTimestamp) : '<nil>') },
    { header: 'Schedule', value: (s) => s.spec?.schedule ?? '' },
    { header: 'Backup TTL', value: templateTtl },
    { header: 'Last Backup', value: (s) => timeFromNow(s.status?.lastBackup ?? undefined, now()) },
    { header: 'Selector', value: (s) => formatSelector(s.spec?.template.labelSelector), noneIfEmpty: true },
    { header: 'Paused', value: (s) => s.spec?.paused === true },
  ];
}
