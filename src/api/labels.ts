/** @module api/labels: Velero's API group, well-known labels, annotations, finalizers and phase enums, by name. */
import { createHash } from 'node:crypto';

// ---------------------------------------------------------------------------------------------------------------
// API group and versions

export const API_GROUP = 'velero.io';
export const API_VERSION_V1 = 'v1';
export const API_VERSION_V2ALPHA1 = 'v2alpha1';
/** apiVersion of the velero.io/v1 kinds (Backup, Restore, ...). */
export const GROUP_VERSION_V1 = 'velero.io/v1';
/** apiVersion of DataUpload and DataDownload. */
export const GROUP_VERSION_V2ALPHA1 = 'velero.io/v2alpha1';

/** What `status.formatVersion` and the tarball's `metadata/version` say. */
export const BACKUP_FORMAT_VERSION = '1.1.0';
/** `status.version`: the deprecated major format version, always 1. */
export const BACKUP_FORMAT_MAJOR_VERSION = 1;

// ---------------------------------------------------------------------------------------------------------------
// Labels (§2.1). Values that carry names go through labelSafeName().

export const LABEL_BACKUP_NAME = 'velero.io/backup-name';
export const LABEL_BACKUP_UID = 'velero.io/backup-uid';
export const LABEL_RESTORE_NAME = 'velero.io/restore-name';
export const LABEL_RESTORE_UID = 'velero.io/restore-uid';
export const LABEL_SCHEDULE_NAME = 'velero.io/schedule-name';
export const LABEL_STORAGE_LOCATION = 'velero.io/storage-location';
export const LABEL_VOLUME_NAMESPACE = 'velero.io/volume-namespace';
export const LABEL_REPOSITORY_TYPE = 'velero.io/repository-type';
export const LABEL_POD_UID = 'velero.io/pod-uid';
export const LABEL_PVC_UID = 'velero.io/pvc-uid';
/** `"true"` on an object or namespace keeps it out of every backup. */
export const LABEL_EXCLUDE_FROM_BACKUP = 'velero.io/exclude-from-backup';
/** On a Backup that garbage collection could not delete; the value is one of GC_FAILURE_REASONS. */
export const LABEL_GC_FAILURE = 'velero.io/gc-failure';
export const LABEL_ASYNC_OPERATION_ID = 'velero.io/async-operation-id';
/** On DataUploadResult ConfigMaps; the value is `<sourceNamespace>.<pvcName>` (label-safe), not `ns/name`. */
export const LABEL_PVC_NAMESPACE_NAME = 'velero.io/pvc-namespace-name';
export const LABEL_RESOURCE_USAGE = 'velero.io/resource-usage';
export const LABEL_DATA_UPLOAD = 'velero.io/data-upload';
export const LABEL_DATA_DOWNLOAD = 'velero.io/data-download';
export const LABEL_POD_VOLUME_BACKUP = 'velero.io/pod-volume-backup';
export const LABEL_POD_VOLUME_RESTORE = 'velero.io/pod-volume-restore';
export const LABEL_DATA_UPLOAD_SNAPSHOT_INFO = 'velero.io/data-upload-snapshot-info';
export const LABEL_VOLUME_SNAPSHOT_NAME = 'velero.io/volume-snapshot-name';
export const LABEL_CSI_VOLUME_SNAPSHOT_CLASS = 'velero.io/csi-volumesnapshot-class';
export const LABEL_CSI_VOLUME_GROUP_SNAPSHOT_CLASS = 'velero.io/csi-volumegroupsnapshot-class';
/** Default key grouping PVCs into one VolumeGroupSnapshot (`spec.volumeGroupSnapshotLabelKey`'s default). */
export const LABEL_VOLUME_GROUP = 'velero.io/volume-group';
export const LABEL_DYNAMIC_PV_RESTORE = 'velero.io/dynamic-pv-restore';
export const LABEL_REPO_NAME = 'velero.io/repo-name';
export const LABEL_EXPOSER_POD_GROUP = 'velero.io/exposer-pod-group';
export const LABEL_EXPOSE_ON_GOING = 'velero.io/expose-on-going';
/** Plugin configuration ConfigMaps carry this plus `<plugin name>: <PluginKind>`. */
export const LABEL_PLUGIN_CONFIG = 'velero.io/plugin-config';
/** `component: velero` is on everything install creates; uninstall deletes CRDs by it. */
export const LABEL_COMPONENT = 'component';
export const COMPONENT_VELERO = 'velero';
/** `deploy: velero` selects the server pod. */
export const LABEL_DEPLOY = 'deploy';
/** `name: node-agent` and `role: node-agent` select node-agent pods. */
export const LABEL_NAME = 'name';
export const LABEL_ROLE = 'role';
export const NODE_AGENT = 'node-agent';
export const NODE_AGENT_WINDOWS = 'node-agent-windows';

/** Values of LABEL_GC_FAILURE (the last is defined by Velero but never set). */
export const GC_FAILURE_REASONS = ['BSLNotFound', 'BSLCannotGet', 'BSLReadOnly', 'BSLUnavailable'] as const;
export type GcFailureReason = (typeof GC_FAILURE_REASONS)[number];

// ---------------------------------------------------------------------------------------------------------------
// Annotations (§2.2)

/** Pod: comma-separated volumes to back up with file-system backup (opt-in). */
export const ANNOTATION_BACKUP_VOLUMES = 'backup.velero.io/backup-volumes';
/** Pod: comma-separated volumes to skip when defaultVolumesToFsBackup is true (opt-out). */
export const ANNOTATION_BACKUP_VOLUMES_EXCLUDES = 'backup.velero.io/backup-volumes-excludes';
export const ANNOTATION_MUST_INCLUDE_ADDITIONAL_ITEMS = 'backup.velero.io/must-include-additional-items';
export const ANNOTATION_SKIPPED_NO_CSI_PV = 'backup.velero.io/skipped-no-csi-pv';
export const ANNOTATION_SKIP_FROM_BACKUP = 'velero.io/skip-from-backup';
/** Backup or Restore: per-operation override of the file-system backup timeout (Go duration). */
export const ANNOTATION_POD_VOLUME_TIMEOUT = 'velero.io/pod-volume-timeout';
export const ANNOTATION_RESOURCE_TIMEOUT = 'velero.io/resource-timeout';
export const ANNOTATION_SOURCE_CLUSTER_K8S_GIT_VERSION = 'velero.io/source-cluster-k8s-gitversion';
export const ANNOTATION_SOURCE_CLUSTER_K8S_MAJOR_VERSION = 'velero.io/source-cluster-k8s-major-version';
export const ANNOTATION_SOURCE_CLUSTER_K8S_MINOR_VERSION = 'velero.io/source-cluster-k8s-minor-version';
/** Item in a backup: `"true"|"false"` overrides whether its `.status` is restored. */
export const ANNOTATION_RESTORE_STATUS = 'velero.io/restore-status';
export const ANNOTATION_ORIGINAL_PV_NAME = 'velero.io/original-pv-name';
export const ANNOTATION_PVC_NAME = 'velero.io/pvc-name';
export const ANNOTATION_DATA_UPLOAD_NAME = 'velero.io/data-upload-name';
export const ANNOTATION_CSI_VOLUME_SNAPSHOT_HANDLE = 'velero.io/csi-volumesnapshot-handle';
export const ANNOTATION_CSI_VOLUME_SNAPSHOT_RESTORE_SIZE = 'velero.io/csi-volumesnapshot-restore-size';
export const ANNOTATION_CSI_DRIVER_NAME = 'velero.io/csi-driver-name';
export const ANNOTATION_CSI_VSC_DELETION_POLICY = 'velero.io/csi-vsc-deletion-policy';
export const ANNOTATION_CSI_VOLUME_GROUP_SNAPSHOT_HANDLE = 'velero.io/csi-volumegroupsnapshot-handle';
/** PVC: override the VolumeSnapshotClass (same key as the class label). */
export const ANNOTATION_CSI_VOLUME_SNAPSHOT_CLASS = 'velero.io/csi-volumesnapshot-class';
/** PVC: override the VolumeGroupSnapshotClass. Note the different spelling from the per-driver prefix below. */
export const ANNOTATION_CSI_VOLUME_GROUP_SNAPSHOT_CLASS = 'velero.io/csi-volume-group-snapshot-class';
const CSI_VOLUME_SNAPSHOT_CLASS_PREFIX = 'velero.io/csi-volumesnapshot-class_';
const CSI_VOLUME_GROUP_SNAPSHOT_CLASS_PREFIX = 'velero.io/csi-volumegroupsnapshot-class_';
/** Legacy pod annotation prefix recording pod-volume snapshot IDs: `snapshot.velero.io/<volume>`. */
export const ANNOTATION_POD_VOLUME_SNAPSHOT_PREFIX = 'snapshot.velero.io/';
export const ANNOTATION_PROMETHEUS_SCRAPE = 'prometheus.io/scrape';
export const ANNOTATION_PROMETHEUS_PORT = 'prometheus.io/port';
export const ANNOTATION_PROMETHEUS_PATH = 'prometheus.io/path';

/** Backup annotation choosing the VolumeSnapshotClass for one CSI driver (the driver name is lowercased). */
export function csiVolumeSnapshotClassAnnotation(driver: string): string {
  return CSI_VOLUME_SNAPSHOT_CLASS_PREFIX + driver.toLowerCase();
}

/** Backup annotation choosing the VolumeGroupSnapshotClass for one CSI driver (lowercased). */
export function csiVolumeGroupSnapshotClassAnnotation(driver: string): string {
  return CSI_VOLUME_GROUP_SNAPSHOT_CLASS_PREFIX + driver.toLowerCase();
}

// Backup hook annotations on pods: `<prefix><key>`, keys in BACKUP_HOOK_ANNOTATION_KEYS.
export const PRE_BACKUP_HOOK_ANNOTATION_PREFIX = 'pre.hook.backup.velero.io/';
export const POST_BACKUP_HOOK_ANNOTATION_PREFIX = 'post.hook.backup.velero.io/';
/** Un-prefixed legacy keys; read as pre hooks when no `pre.` annotation exists. */
export const LEGACY_BACKUP_HOOK_ANNOTATION_PREFIX = 'hook.backup.velero.io/';
export const BACKUP_HOOK_ANNOTATION_KEYS = {
  container: 'container',
  command: 'command',
  onError: 'on-error',
  timeout: 'timeout',
} as const;

// Restore hook annotations on pods.
export const ANNOTATION_INIT_RESTORE_HOOK_CONTAINER_IMAGE = 'init.hook.restore.velero.io/container-image';
export const ANNOTATION_INIT_RESTORE_HOOK_CONTAINER_NAME = 'init.hook.restore.velero.io/container-name';
export const ANNOTATION_INIT_RESTORE_HOOK_COMMAND = 'init.hook.restore.velero.io/command';
export const ANNOTATION_INIT_RESTORE_HOOK_TIMEOUT = 'init.hook.restore.velero.io/timeout';
export const ANNOTATION_POST_RESTORE_HOOK_CONTAINER = 'post.hook.restore.velero.io/container';
export const ANNOTATION_POST_RESTORE_HOOK_COMMAND = 'post.hook.restore.velero.io/command';
export const ANNOTATION_POST_RESTORE_HOOK_ON_ERROR = 'post.hook.restore.velero.io/on-error';
export const ANNOTATION_POST_RESTORE_HOOK_EXEC_TIMEOUT = 'post.hook.restore.velero.io/exec-timeout';
export const ANNOTATION_POST_RESTORE_HOOK_WAIT_TIMEOUT = 'post.hook.restore.velero.io/wait-timeout';
export const ANNOTATION_POST_RESTORE_HOOK_WAIT_FOR_READY = 'post.hook.restore.velero.io/wait-for-ready';

// ---------------------------------------------------------------------------------------------------------------
// Finalizers (§2.3)

export const FINALIZER_RESTORE_EXTERNAL_RESOURCES = 'restores.velero.io/external-resources-finalizer';
export const FINALIZER_POD_VOLUME = 'velero.io/pod-volume-finalizer';
export const FINALIZER_DATA_UPLOAD_DOWNLOAD = 'velero.io/data-upload-download-finalizer';
export const FINALIZER_VOLUME_SNAPSHOT_CONTENT_PROTECT = 'velero.io/volume-snapshot-content-protect-finalizer';

// ---------------------------------------------------------------------------------------------------------------
// Enums. The CRD schemas list exactly these values, so an unknown value is rejected by the API server: keep
// them identical to Velero's (a missing value would make our CRDs refuse what real Velero writes).

export const BACKUP_PHASES = [
  'New',
  'Queued',
  'ReadyToStart',
  'FailedValidation',
  'InProgress',
  'WaitingForPluginOperations',
  'WaitingForPluginOperationsPartiallyFailed',
  'Finalizing',
  'FinalizingPartiallyFailed',
  'Completed',
  'PartiallyFailed',
  'Failed',
  'Deleting',
] as const;
export type BackupPhase = (typeof BACKUP_PHASES)[number];

export const RESTORE_PHASES = [
  'New',
  'FailedValidation',
  'InProgress',
  'WaitingForPluginOperations',
  'WaitingForPluginOperationsPartiallyFailed',
  'Completed',
  'PartiallyFailed',
  'Failed',
  'Finalizing',
  'FinalizingPartiallyFailed',
] as const;
export type RestorePhase = (typeof RESTORE_PHASES)[number];

export const SCHEDULE_PHASES = ['New', 'Enabled', 'FailedValidation'] as const;
export type SchedulePhase = (typeof SCHEDULE_PHASES)[number];

/** Phases of BackupStorageLocation and VolumeSnapshotLocation. */
export const LOCATION_PHASES = ['Available', 'Unavailable'] as const;
export type LocationPhase = (typeof LOCATION_PHASES)[number];
export type BackupStorageLocationPhase = LocationPhase;
export type VolumeSnapshotLocationPhase = LocationPhase;

/** `spec.accessMode` of a BackupStorageLocation; empty means ReadWrite. */
export const BSL_ACCESS_MODES = ['ReadOnly', 'ReadWrite'] as const;
export type BackupStorageLocationAccessMode = (typeof BSL_ACCESS_MODES)[number];

export const DELETE_BACKUP_REQUEST_PHASES = ['New', 'InProgress', 'Processed'] as const;
export type DeleteBackupRequestPhase = (typeof DELETE_BACKUP_REQUEST_PHASES)[number];

export const DOWNLOAD_REQUEST_PHASES = ['New', 'Processed'] as const;
export type DownloadRequestPhase = (typeof DOWNLOAD_REQUEST_PHASES)[number];

export const DOWNLOAD_TARGET_KINDS = [
  'BackupLog',
  'BackupContents',
  'BackupVolumeSnapshots',
  'BackupItemOperations',
  'BackupResourceList',
  'BackupResults',
  'RestoreLog',
  'RestoreResults',
  'RestoreResourceList',
  'RestoreItemOperations',
  'CSIBackupVolumeSnapshots',
  'CSIBackupVolumeSnapshotContents',
  'BackupVolumeInfos',
  'RestoreVolumeInfo',
] as const;
export type DownloadTargetKind = (typeof DOWNLOAD_TARGET_KINDS)[number];

/** Phases of PodVolumeBackup and PodVolumeRestore. */
export const POD_VOLUME_PHASES = ['New', 'Accepted', 'Prepared', 'InProgress', 'Canceling', 'Canceled', 'Completed', 'Failed'] as const;
export type PodVolumeBackupPhase = (typeof POD_VOLUME_PHASES)[number];
export type PodVolumeRestorePhase = PodVolumeBackupPhase;

/** Phases of DataUpload and DataDownload (the same values as the pod-volume ones). */
export const DATA_MOVER_PHASES = POD_VOLUME_PHASES;
export type DataUploadPhase = PodVolumeBackupPhase;
export type DataDownloadPhase = PodVolumeBackupPhase;

/** PodVolumeBackup/Restore `spec.uploaderType`; only kopia is produced now, `""` is allowed. */
export const UPLOADER_TYPES = ['kopia', 'restic', ''] as const;
export type UploaderType = (typeof UPLOADER_TYPES)[number];

export const BACKUP_REPOSITORY_PHASES = ['New', 'Ready', 'NotReady'] as const;
export type BackupRepositoryPhase = (typeof BACKUP_REPOSITORY_PHASES)[number];

export const REPOSITORY_TYPES = ['kopia', 'restic', ''] as const;
export type RepositoryType = (typeof REPOSITORY_TYPES)[number];

export const MAINTENANCE_RESULTS = ['Succeeded', 'Failed'] as const;
export type MaintenanceResult = (typeof MAINTENANCE_RESULTS)[number];

export const SERVER_STATUS_REQUEST_PHASES = ['New', 'Processed'] as const;
export type ServerStatusRequestPhase = (typeof SERVER_STATUS_REQUEST_PHASES)[number];

/** `status.plugins[].kind` values; the schema keeps it a free string so a new plugin kind is not rejected. */
export const PLUGIN_KINDS = [
  'ObjectStore',
  'VolumeSnapshotter',
  'BackupItemAction',
  'BackupItemActionV2',
  'RestoreItemAction',
  'RestoreItemActionV2',
  'DeleteItemAction',
  'ItemBlockAction',
  'PluginLister',
] as const;
export type PluginKind = (typeof PLUGIN_KINDS)[number];

export const NODE_OS_TYPES = ['auto', 'linux', 'windows'] as const;
export type NodeOS = (typeof NODE_OS_TYPES)[number];

/** Hook `onError`: only an explicit Fail stops the remaining hooks. */
export const HOOK_ERROR_MODES = ['Continue', 'Fail'] as const;
export type HookErrorMode = (typeof HOOK_ERROR_MODES)[number];

/** Restore `spec.existingResourcePolicy` values. The schema keeps the field a free string (Velero validates it). */
export const EXISTING_RESOURCE_POLICIES = ['none', 'update'] as const;
export type ExistingResourcePolicy = (typeof EXISTING_RESOURCE_POLICIES)[number];

/** DataUpload `spec.snapshotType` values; a free string in the schema, as in Velero's CRD. */
export const SNAPSHOT_TYPES = ['CSI'] as const;
export type SnapshotType = (typeof SNAPSHOT_TYPES)[number];

// ---------------------------------------------------------------------------------------------------------------

/** The longest label value Kubernetes accepts. */
export const MAX_LABEL_VALUE_LENGTH = 63;

/**
 * Velero's GetValidName: a name usable as a label value. Names up to 63 characters are returned as they are;
 * longer ones become their first 57 characters plus the first 6 hex digits of their SHA-256, so two long names
 * with a common prefix still get different label values, and Velero and Skiff compute the same one.
 * (Go measures bytes and JS UTF-16 units; Kubernetes names are ASCII, where the two agree.)
 */
export function labelSafeName(name: string): string {
  if (name.length <= MAX_LABEL_VALUE_LENGTH) return name;
  const hash = createHash('sha256').update(name).digest('hex');
  return name.slice(0, 57) + hash.slice(0, 6);
}
