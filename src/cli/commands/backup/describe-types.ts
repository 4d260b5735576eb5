/** @module cli/commands/backup/describe-types — what `backup describe` reads: the Backup, its requests, and its sidecar files. */
import type { Backup, DeleteBackupRequest } from '../../../api/index.ts';

/** A sidecar fetched through a DownloadRequest: its content, or why there is none. */
export type Fetched<T> =
  | { state: 'ok'; value: T }
  /** The server answered that the file does not exist (old backup, not finished, upload failed). */
  | { state: 'missing' }
  /** The server did not answer (not running) or the transfer failed; describe shows what the Backup says. */
  | { state: 'error'; message: string }
  /** Not asked for (not needed for this output, or the backup cannot have the file yet). */
  | { state: 'skipped' };

export const SKIPPED: Fetched<never> = { state: 'skipped' };
export const MISSING: Fetched<never> = { state: 'missing' };

/** `<name>-results.gz`: `{warnings, errors}`, each `{velero, cluster, namespaces}`. */
export interface ResultBucket {
  velero?: string[] | null;
  cluster?: string[] | null;
  namespaces?: Record<string, string[]> | null;
}
export interface ResultsFile {
  warnings?: ResultBucket;
  errors?: ResultBucket;
}

/** `<name>-resource-list.json.gz`: `"apps/v1/Deployment"` → `["ns/name", …]`. */
export type ResourceListFile = Record<string, string[]>;

/** One entry of `<name>-volumeinfo.json.gz` (Velero's BackupVolumeInfo; note the capitalised `Phase`/`ReadyToUse`). */
export interface VolumeInfo {
  pvcName?: string;
  pvcNamespace?: string;
  pvName?: string;
  backupMethod?: 'NativeSnapshot' | 'PodVolumeBackup' | 'CSISnapshot' | string;
  snapshotDataMoved?: boolean;
  preserveLocalSnapshot?: boolean;
  skipped?: boolean;
  result?: string;
  csiSnapshotInfo?: { snapshotHandle?: string; size?: number; driver?: string; vscName?: string; operationID?: string };
  snapshotDataMovementInfo?: { dataMover?: string; uploaderType?: string; operationID?: string; size?: number };
  nativeSnapshotInfo?: { snapshotHandle?: string; volumeType?: string; volumeAZ?: string; iops?: string };
  pvbInfo?: { uploaderType?: string; volumeName?: string; podName?: string; podNamespace?: string; Phase?: string };
}

/** `<name>-volumesnapshots.json.gz`: native snapshots, read only for backups older than the volume-info file. */
export interface NativeSnapshot {
  spec?: { persistentVolumeName?: string; volumeType?: string; volumeAZ?: string; volumeIOPS?: number | null };
  status?: { providerSnapshotID?: string };
}

/** `ResourceIdentifier`: capitalised keys, as Velero writes them. */
export interface ResourceIdentifier {
  Group?: string;
  Resource?: string;
  Namespace?: string;
  Name?: string;
}

/** An item operation's status, the same for backups and restores. */
export interface OperationStatus {
  phase?: string;
  error?: string;
  nCompleted?: number;
  nTotal?: number;
  operationUnits?: string;
  description?: string;
  created?: string | null;
  started?: string | null;
  updated?: string | null;
}

/** One entry of `<name>-itemoperations.json.gz`. */
export interface BackupOperation {
  spec?: { backupItemAction?: string; resourceIdentifier?: ResourceIdentifier; operationID?: string; postOperationItems?: ResourceIdentifier[] | null };
  status?: OperationStatus;
}

/** One entry of `restore-<name>-itemoperations.json.gz`. */
export interface RestoreOperation {
  spec?: { restoreItemAction?: string; resourceIdentifier?: ResourceIdentifier; operationID?: string };
  status?: OperationStatus;
}

/** One pod volume of a backup or restore: from a PodVolumeBackup/PodVolumeRestore object, or from the volume-info file. */
export interface PodVolumeEntry {
  podNamespace: string;
  podName: string;
  volume: string;
  phase: string;
  uploaderType: string;
  bytesDone?: number;
  totalBytes?: number;
}

/** Everything the describe text is made of; the command fetches it, the renderer only formats. */
export interface BackupDescribeInput {
  backup: Backup;
  details: boolean;
  /** Colours (bold name, green/red phase) on a terminal. */
  colorized: boolean;
  deleteRequests: readonly DeleteBackupRequest[];
  podVolumes: readonly PodVolumeEntry[];
  results: Fetched<ResultsFile>;
  resourceList: Fetched<ResourceListFile>;
  volumeInfos: Fetched<VolumeInfo[]>;
  itemOperations: Fetched<BackupOperation[]>;
  /** Only used when the volume-info file is missing (backups made before it existed). */
  nativeSnapshots: Fetched<NativeSnapshot[]>;
}
