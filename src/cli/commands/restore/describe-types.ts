/** @module cli/commands/restore/describe-types — what `restore describe` reads: the Restore, its pod volume restores and its files. */
import type { Restore } from '../../../api/index.ts';
import type { Fetched, PodVolumeEntry, ResourceListFile, RestoreOperation, ResultsFile, VolumeInfo } from '../backup/describe-types.ts';

/** One entry of `<name>-volumeinfo.json.gz` in `restores/<name>/` (Velero's RestoreVolumeInfo). */
export interface RestoreVolumeInfo {
  pvcName?: string;
  pvcNamespace?: string;
  pvName?: string;
  restoreMethod?: 'NativeSnapshot' | 'PodVolumeRestore' | 'CSISnapshot' | string;
  snapshotDataMoved?: boolean;
  csiSnapshotInfo?: VolumeInfo['csiSnapshotInfo'];
  snapshotDataMovementInfo?: VolumeInfo['snapshotDataMovementInfo'];
}

/** Everything the describe text is made of; the command fetches it, the renderer only formats. */
export interface RestoreDescribeInput {
  restore: Restore;
  details: boolean;
  /** Colours (bold name, green/red phase) on a terminal. */
  colorized: boolean;
  podVolumes: readonly PodVolumeEntry[];
  /** `restore-<name>-results.gz`: the warnings and errors behind the counts. */
  results: Fetched<ResultsFile>;
  /** `restore-<name>-resource-list.json.gz`: entries read `ns/name(created|updated|failed|skipped)`. */
  resourceList: Fetched<ResourceListFile>;
  volumeInfos: Fetched<RestoreVolumeInfo[]>;
  itemOperations: Fetched<RestoreOperation[]>;
}
