/** @module cli/commands/restore/describe-render — `restore describe` text from a Restore and its fetched files (pure). */
import type { Restore, RestoreSpec } from '../../../api/index.ts';
import { formatGoDuration, parseGoDuration } from '../../../util/duration.ts';
import { DescribeWriter } from '../../output/describe.ts';
import { describeMap, describeMetadata, describeResults, describeValidationErrors, joined, phaseText, triState } from '../backup/describe-render.ts';
import { describeItemOperations, describePodVolumeGroups, describeResourceList, errorText, MORE, NONE_INCLUDED, time } from '../backup/describe-status.ts';
import type { Fetched, PodVolumeEntry, ResultsFile } from '../backup/describe-types.ts';
import { formatSelector } from '../backup/table.ts';
import type { RestoreDescribeInput, RestoreVolumeInfo } from './describe-types.ts';

const NONE = '<none>';

/** Phase (with " (Deleting)" once a deletion is under way), then the item counts while there are any. */
function describePhase(d: DescribeWriter, r: Restore, colorized: boolean): void {
  const phase = r.status?.phase || 'New';
  d.line('Phase', phaseText('restore', r.metadata.name ?? '', phase, colorized, r.metadata.deletionTimestamp ? ' (Deleting)' : ''));
  const progress = r.status?.progress;
  if (!progress) return;
  const running = phase === 'InProgress';
  d.line(running ? 'Estimated total items to be restored' : 'Total items to be restored', progress.totalItems ?? 0);
  d.line(running ? 'Items restored so far' : 'Items restored', progress.itemsRestored ?? 0);
}

/** What was asked for: the source backup, the filters, the mappings and the selectors. */
function describeRequest(d: DescribeWriter, spec: RestoreSpec): void {
  d.line('Backup', spec.backupName ?? '');
  d.blank();
  const namespaces = spec.includedNamespaces ?? [];
  d.heading('Namespaces');
  d.line('Included', namespaces.length === 0 || (namespaces.length === 1 && namespaces[0] === '*') ? 'all namespaces found in the backup' : namespaces.join(', '), 1);
  d.line('Excluded', joined(spec.excludedNamespaces, NONE), 1);
  d.blank();
  d.heading('Resources');
  d.line('Included', joined(spec.includedResources, '*'), 1);
  d.line('Excluded', joined(spec.excludedResources, NONE), 1);
  d.line('Cluster-scoped', triState(spec.includeClusterResources, 'excluded', 'included', 'auto'), 1);
  d.blank();
  describeMap(d, 'Namespace mappings', spec.namespaceMapping);
  d.blank();
  d.line('Label selector', spec.labelSelector ? formatSelector(spec.labelSelector) : NONE);
  d.blank();
  d.line('Or label selector', spec.orLabelSelectors?.length ? spec.orLabelSelectors.map(formatSelector).join(' or ') : NONE);
  d.blank();
  d.line('Restore PVs', triState(spec.restorePVs, 'false', 'true', 'auto'));
}

/** `<uploader> Restores:` grouped by phase; nothing at all when the restore has no pod volume restores. */
function describePodVolumeRestores(d: DescribeWriter, details: boolean, entries: readonly PodVolumeEntry[]): void {
  const first = entries[0];
  if (first === undefined) return;
  d.blank();
  d.heading(`${first.uploaderType} Restores${details ? '' : ` (${MORE})`}`);
  describePodVolumeGroups(d, details, entries, 1);
}

function describeCsiRestore(d: DescribeWriter, details: boolean, info: RestoreVolumeInfo): void {
  d.heading(`${info.pvcNamespace ?? ''}/${info.pvcName ?? ''}`, 1);
  if (info.snapshotDataMoved === true) {
    if (!details) return void d.text(`Data Movement: ${MORE}`, 2);
    const dm = info.snapshotDataMovementInfo ?? {};
    d.text('Data Movement:', 2);
    d.text(`Operation ID: ${dm.operationID ?? ''}`, 3);
    d.text(`Data Mover: ${dm.dataMover || 'velero'}`, 3);
    d.text(`Uploader Type: ${dm.uploaderType ?? ''}`, 3);
    return;
  }
  if (!details) return void d.text(`Snapshot: ${MORE}`, 2);
  const csi = info.csiSnapshotInfo ?? {};
  d.text('Snapshot:', 2);
  d.text(`Snapshot Content Name: ${csi.vscName ?? ''}`, 3);
  d.text(`Storage Snapshot ID: ${csi.snapshotHandle ?? ''}`, 3);
  d.text(`CSI Driver: ${csi.driver ?? ''}`, 3);
}

/** The volumes restored from CSI snapshots (by the restore's volume-info file), sorted by PVC. */
function describeCsiRestores(d: DescribeWriter, details: boolean, infos: Fetched<RestoreVolumeInfo[]>): void {
  d.blank();
  if (infos.state === 'error') return void d.line('CSI Snapshot Restores', `<error getting restore volume info: ${infos.message}>`);
  const key = (i: RestoreVolumeInfo): string => `${i.pvcNamespace ?? ''}/${i.pvcName ?? ''}`;
  const csi = (infos.state === 'ok' ? infos.value : []).filter((i) => i.restoreMethod === 'CSISnapshot').sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
  if (csi.length === 0) return void d.text(`CSI Snapshot Restores: ${NONE_INCLUDED}`);
  d.heading('CSI Snapshot Restores');
  for (const info of csi) describeCsiRestore(d, details, info);
}

/**
 * Warnings and errors from the results file. Unlike a backup's, a restore's describe never falls back to the
 * bare counts: velero prints why the file could not be read, on the lines right after `Completed:`.
 */
function describeRestoreResults(d: DescribeWriter, r: Restore, results: Fetched<ResultsFile>): void {
  const s = r.status ?? {};
  if ((s.warnings ?? 0) === 0 && (s.errors ?? 0) === 0) return;
  if (results.state === 'ok') return describeResults(d, s, results);
  const why = errorText(results);
  d.line('Warnings', `<error getting warnings: ${why}>`);
  d.blank();
  d.line('Errors', `<error getting errors: ${why}>`);
}

/** The spec's timeout as Go prints a Duration (`1h` → `1h0m0s`); an unreadable value as stored. */
function goDuration(text: string | null | undefined): string {
  try {
    return formatGoDuration(parseGoDuration(text || '0s'));
  } catch {
    return text ?? '';
  }
}

/** How existing objects, timeouts, node ports, modifiers and the uploader are set. */
function describeSettings(d: DescribeWriter, spec: RestoreSpec): void {
  d.blank();
  // Velero prints these two keys with a space before the tab; kept, so the columns match its output.
  d.row(['Existing Resource Policy: ', spec.existingResourcePolicy || NONE]);
  d.line('ItemOperationTimeout', goDuration(spec.itemOperationTimeout));
  d.blank();
  d.line('Preserve Service NodePorts', triState(spec.preserveNodePorts, 'false', 'true', 'auto'));
  const modifier = spec.resourceModifier;
  if (modifier) {
    d.blank();
    d.heading('Resource modifier');
    d.line('Type', modifier.kind, 1);
    d.line('Name', modifier.name, 1);
  }
  const uploader = spec.uploaderConfig;
  if (uploader) {
    d.blank();
    d.heading('Uploader config');
    if (uploader.writeSparseFiles === true) d.line('Write Sparse Files', 'true', 1);
    if ((uploader.parallelFilesDownload ?? 0) > 0) d.line('Parallel Restore', uploader.parallelFilesDownload ?? 0, 1);
  }
}

/** Item operations, hooks and, with --details, the restored resources. */
function describeOutcome(d: DescribeWriter, input: RestoreDescribeInput): void {
  const s = input.restore.status ?? {};
  d.blank();
  const ops = { attempted: s.restoreItemOperationsAttempted, completed: s.restoreItemOperationsCompleted, failed: s.restoreItemOperationsFailed };
  describeItemOperations(d, 'Restore', ops, input.details, input.itemOperations);
  if (s.hookStatus) {
    d.blank();
    d.row(['HooksAttempted: ', String(s.hookStatus.hooksAttempted ?? 0)]);
    d.row(['HooksFailed: ', String(s.hookStatus.hooksFailed ?? 0)]);
  }
  if (input.details) {
    // Velero 1.16 prints a blank line before the list as well as after it.
    d.blank();
    describeResourceList(d, 'restore', input.resourceList);
    d.blank();
  }
}

/** The describe text of one restore, in velero's section order. */
export function renderRestoreDescription(input: RestoreDescribeInput): string {
  const { restore: r, colorized } = input;
  const spec = r.spec ?? {};
  const d = new DescribeWriter();
  describeMetadata(d, r.metadata, colorized);
  d.blank();
  describePhase(d, r, colorized);
  d.blank();
  // "<n/a>" only for restores that never started (failed validation, or not picked up yet).
  d.line('Started', time(r.status?.startTimestamp, '<n/a>'));
  d.line('Completed', time(r.status?.completionTimestamp, '<n/a>'));
  const validation = r.status?.validationErrors ?? [];
  if (validation.length > 0) {
    d.blank();
    describeValidationErrors(d, validation, colorized);
  }
  describeRestoreResults(d, r, input.results);
  d.blank();
  describeRequest(d, spec);
  describePodVolumeRestores(d, input.details, input.podVolumes);
  describeCsiRestores(d, input.details, input.volumeInfos);
  describeSettings(d, spec);
  describeOutcome(d, input);
  return d.render();
}
