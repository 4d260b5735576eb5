/** @module api/factories: new velero.io objects with apiVersion, kind and metadata filled in. */
import type { ObjectMeta } from '../kube/index.ts';
import type { Backup, BackupSpec } from './backup.ts';
import type { BackupRepository, BackupRepositorySpec } from './backup-repository.ts';
import type { BackupStorageLocation, BackupStorageLocationSpec } from './backup-storage-location.ts';
import type { DataDownload, DataDownloadSpec } from './data-download.ts';
import type { DataUpload, DataUploadSpec } from './data-upload.ts';
import type { DeleteBackupRequest, DeleteBackupRequestSpec } from './delete-backup-request.ts';
import type { DownloadRequest, DownloadRequestSpec } from './download-request.ts';
import { apiVersionOf, type VeleroKind, type VeleroObjects } from './kinds.ts';
import type { PodVolumeBackup, PodVolumeBackupSpec } from './pod-volume-backup.ts';
import type { PodVolumeRestore, PodVolumeRestoreSpec } from './pod-volume-restore.ts';
import type { Restore, RestoreSpec } from './restore.ts';
import type { Schedule, ScheduleSpec } from './schedule.ts';
import type { ServerStatusRequest } from './server-status-request.ts';
import type { VolumeSnapshotLocation, VolumeSnapshotLocationSpec } from './volume-snapshot-location.ts';

/** The spec type of a kind. */
export type SpecOf<K extends VeleroKind> = NonNullable<VeleroObjects[K]['spec']>;

/**
 * A new object of `kind` named `name` in `namespace` (the Velero namespace). `meta` adds labels, annotations,
 * generateName (pass `''` as the name then) and so on. The spec is used as given, not copied.
 */
export function newObject<K extends VeleroKind>(kind: K, name: string, namespace: string, spec: SpecOf<K>, meta: ObjectMeta = {}): VeleroObjects[K] {
  const metadata: ObjectMeta = { ...meta, namespace };
  if (name !== '') metadata.name = name;
  return { apiVersion: apiVersionOf(kind), kind, metadata, spec } as unknown as VeleroObjects[K];
}

export function newBackup(name: string, namespace: string, spec: BackupSpec = {}, meta?: ObjectMeta): Backup {
  return newObject('Backup', name, namespace, spec, meta);
}

export function newRestore(name: string, namespace: string, spec: RestoreSpec = {}, meta?: ObjectMeta): Restore {
  return newObject('Restore', name, namespace, spec, meta);
}

export function newSchedule(name: string, namespace: string, spec: ScheduleSpec, meta?: ObjectMeta): Schedule {
  return newObject('Schedule', name, namespace, spec, meta);
}

export function newBackupStorageLocation(name: string, namespace: string, spec: BackupStorageLocationSpec, meta?: ObjectMeta): BackupStorageLocation {
  return newObject('BackupStorageLocation', name, namespace, spec, meta);
}

export function newVolumeSnapshotLocation(name: string, namespace: string, spec: VolumeSnapshotLocationSpec, meta?: ObjectMeta): VolumeSnapshotLocation {
  return newObject('VolumeSnapshotLocation', name, namespace, spec, meta);
}

export function newDeleteBackupRequest(name: string, namespace: string, spec: DeleteBackupRequestSpec, meta?: ObjectMeta): DeleteBackupRequest {
  return newObject('DeleteBackupRequest', name, namespace, spec, meta);
}

export function newDownloadRequest(name: string, namespace: string, spec: DownloadRequestSpec, meta?: ObjectMeta): DownloadRequest {
  return newObject('DownloadRequest', name, namespace, spec, meta);
}

export function newPodVolumeBackup(name: string, namespace: string, spec: PodVolumeBackupSpec, meta?: ObjectMeta): PodVolumeBackup {
  return newObject('PodVolumeBackup', name, namespace, spec, meta);
}

export function newPodVolumeRestore(name: string, namespace: string, spec: PodVolumeRestoreSpec, meta?: ObjectMeta): PodVolumeRestore {
  return newObject('PodVolumeRestore', name, namespace, spec, meta);
}

export function newBackupRepository(name: string, namespace: string, spec: BackupRepositorySpec, meta?: ObjectMeta): BackupRepository {
  return newObject('BackupRepository', name, namespace, spec, meta);
}

/** The spec is always empty. */
export function newServerStatusRequest(name: string, namespace: string, meta?: ObjectMeta): ServerStatusRequest {
  return newObject('ServerStatusRequest', name, namespace, {}, meta);
}

export function newDataUpload(name: string, namespace: string, spec: DataUploadSpec, meta?: ObjectMeta): DataUpload {
  return newObject('DataUpload', name, namespace, spec, meta);
}

export function newDataDownload(name: string, namespace: string, spec: DataDownloadSpec, meta?: ObjectMeta): DataDownload {
  return newObject('DataDownload', name, namespace, spec, meta);
}
