/** @module cli/commands/restore/table — velero's `restore get` columns and the `--wait` progress line. */
import type { Restore } from '../../../api/index.ts';
import type { Column } from '../../output/print.ts';
import { formatTimestamp } from '../../output/time.ts';
import { formatSelector } from '../backup/table.ts';

/** Empty phase reads New (velero's restore table has no Deleting status; describe says it). */
export function restoreStatus(r: Restore): string {
  return r.status?.phase || 'New';
}

/** Unset times print as Go prints a nil time, `<nil>`, as velero's table does. */
function timeCell(t: string | null | undefined): string {
  return t ? formatTimestamp(t) : '<nil>';
}

/** NAME BACKUP STATUS STARTED COMPLETED ERRORS WARNINGS CREATED SELECTOR; CREATED is the object's creation time. */
export function restoreColumns(): Column<Restore>[] {
  return [
    { header: 'Name', value: (r) => r.metadata.name },
    { header: 'Backup', value: (r) => r.spec?.backupName ?? '' },
    { header: 'Status', value: restoreStatus },
    { header: 'Started', value: (r) => timeCell(r.status?.startTimestamp) },
    { header: 'Completed', value: (r) => timeCell(r.status?.completionTimestamp) },
    { header: 'Errors', value: (r) => r.status?.errors ?? 0 },
    { header: 'Warnings', value: (r) => r.status?.warnings ?? 0 },
    { header: 'Created', value: (r) => timeCell(r.metadata.creationTimestamp) },
    { header: 'Selector', value: (r) => formatSelector(r.spec?.labelSelector), noneIfEmpty: true },
  ];
}

/** One line of live progress for `--wait` on a terminal: phase and items restored. */
export function restoreProgressLine(r: Restore | undefined, elapsedMs: number): string {
  const p = r?.status?.progress;
  const items = p && (p.totalItems !== undefined || p.itemsRestored !== undefined) ? `, items restored: ${p.itemsRestored ?? 0}/${p.totalItems ?? 0}` : '';
  return `${r?.status?.phase || 'New'}${items} (${Math.floor(elapsedMs / 1000)}s)`;
}
