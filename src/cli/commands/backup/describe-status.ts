/** @module cli/commands/backup/describe-status — the status half of `backup describe`: times, items, operations, volumes. */
import type { DeleteBackupRequest } from '../../../api/index.ts';
import { DescribeWriter } from '../../output/describe.ts';
import { formatTimestamp } from '../../output/time.ts';
import type { BackupDescribeInput, BackupOperation, Fetched, RestoreOperation, NativeSnapshot, PodVolumeEntry, ResourceIdentifier, ResourceListFile, VolumeInfo } from './describe-types.ts';

export const NONE_INCLUDED = '<none included>';
export const MORE = 'specify --details for more information';

export function errorText(f: Fetched<unknown>): string {
  return f.state === 'error' ? f.message : 'file not found';
}

/** A status time as velero prints it, or `unset` when there is none. */
export function time(t: string | null | undefined, unset: string): string {
  return t ? formatTimestamp(t) : unset;
}

/** `persistentvolumeclaims ns/name`, as Go prints a ResourceIdentifier (group-resource, then ns/name). */
function identifier(r: ResourceIdentifier | undefined): string {
  const gr = r?.Group ? `${r.Resource ?? ''}.${r.Group}` : (r?.Resource ?? '');
  return `${gr} ${r?.Namespace ?? ''}/${r?.Name ?? ''}`;
}

function describeOperation(d: DescribeWriter, kind: OperationKind, op: BackupOperation | RestoreOperation): void {
  const st = op.status ?? {};
  const spec: NonNullable<BackupOperation['spec']> & NonNullable<RestoreOperation['spec']> = op.spec ?? {};
  d.heading(`Operation for ${identifier(spec.resourceIdentifier)}`, 1);
  d.line(`${kind} Item Action Plugin`, (kind === 'Backup' ? spec.backupItemAction : spec.restoreItemAction) ?? '', 2);
  d.line('Operation ID', spec.operationID ?? '', 2);
  const items = spec.postOperationItems ?? [];
  if (items.length > 0) d.heading('Items to Update', 2);
  for (const item of items) d.text(identifier(item), 3);
  d.line('Phase', st.phase ?? '', 2);
  if (st.error) d.line('Operation Error', st.error, 2);
  if ((st.nTotal ?? 0) > 0 || (st.nCompleted ?? 0) > 0) d.line('Progress', `${st.nCompleted ?? 0} of ${st.nTotal ?? 0} complete (${st.operationUnits ?? ''})`, 2);
  if (st.description) d.line('Progress description', st.description, 2);
  if (st.created) d.line('Created', formatTimestamp(st.created), 2);
  if (st.started) d.line('Started', formatTimestamp(st.started), 2);
  if (st.updated) d.line('Updated', formatTimestamp(st.updated), 2);
}

/** Whose item operations: the word starts velero's titles ("Backup Item Operations", "Restore Item Action Plugin"). */
export type OperationKind = 'Backup' | 'Restore';

/** The operation counts a Backup or Restore status records. */
export interface OperationCounts {
  attempted?: number | undefined;
  completed?: number | undefined;
  failed?: number | undefined;
}

/** Nothing when none were attempted; the counts, or with --details each operation from the operations file. */
export function describeItemOperations(
  d: DescribeWriter,
  kind: OperationKind,
  counts: OperationCounts,
  details: boolean,
  ops: Fetched<ReadonlyArray<BackupOperation | RestoreOperation>>,
): void {
  const attempted = counts.attempted ?? 0;
  if (attempted === 0) return;
  const title = `${kind} Item Operations`;
  if (!details) {
    d.line(title, `${counts.completed ?? 0} of ${attempted} completed successfully, ${counts.failed ?? 0} failed (${MORE})`);
    return;
  }
  if (ops.state !== 'ok') {
    d.line(title, `<error getting operation info: ${errorText(ops)}>`);
    return;
  }
  d.heading(title);
  for (const op of ops.value) describeOperation(d, kind, op);
}

/** `Resource List:` grouped by `<apiVersion>/<Kind>`, one `- item` a line (`noun` names the file in errors). */
export function describeResourceList(d: DescribeWriter, noun: 'backup' | 'restore', list: Fetched<ResourceListFile>): void {
  if (list.state === 'missing') return void d.line('Resource List', `<${noun} resource list not found>`);
  if (list.state !== 'ok') return void d.line('Resource List', `<error getting ${noun} resource list: ${errorText(list)}>`);
  d.text('Resource List:');
  for (const gvk of Object.keys(list.value).sort()) {
    d.heading(gvk, 1);
    for (const item of list.value[gvk] ?? []) d.text(`- ${item}`, 2);
  }
}

function describeNative(d: DescribeWriter, details: boolean, infos: readonly VolumeInfo[]): void {
  if (infos.length === 0) return void d.text(`Velero-Native Snapshots: ${NONE_INCLUDED}`, 1);
  d.text('Velero-Native Snapshots:', 1);
  for (const info of infos) {
    if (!details) {
      d.text(`${info.pvName ?? ''}: ${MORE}`, 2);
      continue;
    }
    const n = info.nativeSnapshotInfo ?? {};
    d.heading(info.pvName ?? '', 2);
    d.line('Snapshot ID', n.snapshotHandle ?? '', 3);
    d.line('Type', n.volumeType ?? '', 3);
    d.line('Availability Zone', n.volumeAZ ?? '', 3);
    d.line('IOPS', n.iops ?? '', 3);
    d.line('Result', info.result ?? '', 3);
  }
}

function describeCsi(d: DescribeWriter, details: boolean, infos: readonly VolumeInfo[], legacy: boolean): void {
  if (infos.length === 0) return void d.text(`CSI Snapshots: ${legacy ? '<none included or not detectable>' : NONE_INCLUDED}`, 1);
  d.text('CSI Snapshots:', 1);
  for (const info of infos) {
    d.heading(`${info.pvcNamespace ?? ''}/${info.pvcName ?? ''}`, 2);
    const csi = info.csiSnapshotInfo ?? {};
    if (info.preserveLocalSnapshot === true && !details) d.text(`Snapshot: included, ${MORE}`, 3);
    if (info.preserveLocalSnapshot === true && details) {
      d.text('Snapshot:', 3);
      if (info.snapshotDataMoved !== true && csi.operationID) d.text(`Operation ID: ${csi.operationID}`, 4);
      d.text(`Snapshot Content Name: ${csi.vscName ?? ''}`, 4);
      d.text(`Storage Snapshot ID: ${csi.snapshotHandle ?? ''}`, 4);
      d.text(`Snapshot Size (bytes): ${csi.size ?? 0}`, 4);
      d.text(`CSI Driver: ${csi.driver ?? ''}`, 4);
      d.text(`Result: ${info.result ?? ''}`, 4);
    }
    if (info.snapshotDataMoved !== true) continue;
    if (!details) {
      d.text(`Data Movement: included, ${MORE}`, 3);
      continue;
    }
    const dm = info.snapshotDataMovementInfo ?? {};
    d.text('Data Movement:', 3);
    d.text(`Operation ID: ${dm.operationID ?? ''}`, 4);
    d.text(`Data Mover: ${dm.dataMover || 'velero'}`, 4);
    d.text(`Uploader Type: ${dm.uploaderType ?? ''}`, 4);
    d.text(`Moved data Size (bytes): ${dm.size ?? 0}`, 4);
    d.text(`Result: ${info.result ?? ''}`, 4);
  }
}

/** Velero's grouping: Completed, Failed, In Progress, New (New and empty together). */
const PV_GROUPS: Record<string, string> = { Completed: 'Completed', Failed: 'Failed', InProgress: 'In Progress', New: 'New', '': 'New' };

function describePodVolumes(d: DescribeWriter, details: boolean, entries: readonly PodVolumeEntry[]): void {
  const first = entries[0];
  if (first === undefined) return void d.text(`Pod Volume Backups: ${NONE_INCLUDED}`, 1);
  d.heading(`Pod Volume Backups - ${first.uploaderType}${details ? '' : ` (${MORE})`}`, 1);
  describePodVolumeGroups(d, details, entries, 2);
}

/**
 * Pod volumes grouped by phase at `indent`: a count per group, or with --details each pod's volumes
 * (with the percentage done while in progress). Shared by backups and restores.
 */
export function describePodVolumeGroups(d: DescribeWriter, details: boolean, entries: readonly PodVolumeEntry[], indent: number): void {
  for (const group of ['Completed', 'Failed', 'In Progress', 'New']) {
    const inGroup = entries.filter((e) => (PV_GROUPS[e.phase] ?? '') === group);
    if (inGroup.length === 0) continue;
    if (!details) {
      d.line(group, inGroup.length, indent);
      continue;
    }
    d.heading(group, indent);
    const byPod = new Map<string, string[]>();
    for (const e of inGroup) {
      const pct = group === 'In Progress' && e.totalBytes ? ` (${(((e.bytesDone ?? 0) / e.totalBytes) * 100).toFixed(2)}%)` : '';
      const key = `${e.podNamespace}/${e.podName}`;
      byPod.set(key, [...(byPod.get(key) ?? []), `${e.volume}${pct}`]);
    }
    for (const pod of [...byPod.keys()].sort()) d.text(`${pod}: ${[...(byPod.get(pod) ?? [])].sort().join(', ')}`, indent + 1);
  }
}

/** From the volume-info file; for older backups the native-snapshot file; when unreachable, the counts. */
function describeVolumes(d: DescribeWriter, input: BackupDescribeInput): void {
  const { backup: b, details, volumeInfos } = input;
  const s = b.status ?? {};
  d.text('Backup Volumes:');
  if (volumeInfos.state === 'error') {
    const counted = (attempted = 0, completed = 0): string => (attempted > 0 ? `${completed} of ${attempted} snapshots completed successfully` : NONE_INCLUDED);
    d.text(`Velero-Native Snapshots: ${counted(s.volumeSnapshotsAttempted, s.volumeSnapshotsCompleted)}`, 1);
    d.blank();
    d.text(`CSI Snapshots: ${counted(s.csiVolumeSnapshotsAttempted, s.csiVolumeSnapshotsCompleted)}`, 1);
  } else {
    const infos = volumeInfos.state === 'ok' ? volumeInfos.value : [];
    const native = volumeInfos.state === 'ok' ? infos.filter((i) => i.backupMethod === 'NativeSnapshot') : legacyNative(input.nativeSnapshots);
    describeNative(d, details, native);
    d.blank();
    describeCsi(d, details, infos.filter((i) => i.backupMethod === 'CSISnapshot'), volumeInfos.state !== 'ok');
  }
  d.blank();
  describePodVolumes(d, details, input.podVolumes);
}

/** Native snapshots of backups older than the volume-info file, in its shape. */
function legacyNative(f: Fetched<NativeSnapshot[]>): VolumeInfo[] {
  if (f.state !== 'ok') return [];
  return f.value.map((snap) => ({
    pvName: snap.spec?.persistentVolumeName ?? '',
    backupMethod: 'NativeSnapshot',
    nativeSnapshotInfo: {
      snapshotHandle: snap.status?.providerSnapshotID ?? '',
      volumeType: snap.spec?.volumeType ?? '',
      volumeAZ: snap.spec?.volumeAZ ?? '',
      iops: snap.spec?.volumeIOPS === undefined || snap.spec.volumeIOPS === null ? '' : String(snap.spec.volumeIOPS),
    },
  }));
}

function describeDeleteRequests(d: DescribeWriter, requests: readonly DeleteBackupRequest[]): void {
  const failed = requests.filter((r) => r.status?.phase === 'Processed' && (r.status.errors ?? []).length > 0).length;
  d.text(`Deletion Attempts${failed > 0 ? ` (${failed} failed)` : ''}:`);
  requests.forEach((r, i) => {
    if (i > 0) d.blank();
    d.text(`${time(r.metadata.creationTimestamp, '<nil>')}: ${r.status?.phase ?? ''}`, 1);
    const errors = r.status?.errors ?? [];
    if (errors.length > 0) d.heading('Errors', 1);
    for (const e of errors) d.text(e, 2);
  });
}

export function describeStatus(d: DescribeWriter, input: BackupDescribeInput): void {
  const { backup: b, details } = input;
  const s = b.status ?? {};
  d.line('Backup Format Version', s.formatVersion ?? '');
  d.blank();
  // "<n/a>" only for backups that never started (failed validation), as velero says.
  d.line('Started', time(s.startTimestamp, '<n/a>'));
  d.line('Completed', time(s.completionTimestamp, '<n/a>'));
  d.blank();
  d.line('Expiration', time(s.expiration, '<nil>'));
  d.blank();
  if (s.progress) {
    const running = s.phase === 'InProgress';
    d.line(running ? 'Estimated total items to be backed up' : 'Total items to be backed up', s.progress.totalItems ?? 0);
    d.line(running ? 'Items backed up so far' : 'Items backed up', s.progress.itemsBackedUp ?? 0);
    d.blank();
  }
  const ops = { attempted: s.backupItemOperationsAttempted, completed: s.backupItemOperationsCompleted, failed: s.backupItemOperationsFailed };
  describeItemOperations(d, 'Backup', ops, details, input.itemOperations);
  if (details) {
    describeResourceList(d, 'backup', input.resourceList);
    d.blank();
  }
  describeVolumes(d, input);
  if (s.hookStatus) {
    d.blank();
    d.line('HooksAttempted', s.hookStatus.hooksAttempted ?? 0);
    d.line('HooksFailed', s.hookStatus.hooksFailed ?? 0);
  }
  if (input.deleteRequests.length > 0) {
    d.blank();
    describeDeleteRequests(d, input.deleteRequests);
  }
}
