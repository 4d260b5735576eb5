/** @module api/kinds: the catalogue of velero.io kinds — names, version, schema, printer columns and resource refs. */
import type { ResourceRef } from '../kube/index.ts';
import { BackupSchema, type Backup } from './backup.ts';
import { BackupRepositorySchema, type BackupRepository } from './backup-repository.ts';
import { BackupStorageLocationSchema, type BackupStorageLocation } from './backup-storage-location.ts';
import { DataDownloadSchema, type DataDownload } from './data-download.ts';
import { DataUploadSchema, type DataUpload } from './data-upload.ts';
import { DeleteBackupRequestSchema, type DeleteBackupRequest } from './delete-backup-request.ts';
import { DownloadRequestSchema, type DownloadRequest } from './download-request.ts';
import { API_GROUP, API_VERSION_V1, API_VERSION_V2ALPHA1 } from './labels.ts';
import { PodVolumeBackupSchema, type PodVolumeBackup } from './pod-volume-backup.ts';
import { PodVolumeRestoreSchema, type PodVolumeRestore } from './pod-volume-restore.ts';
import { RestoreSchema, type Restore } from './restore.ts';
import { ScheduleSchema, type Schedule } from './schedule.ts';
import type { TSchema } from './schema-kit.ts';
import { ServerStatusRequestSchema, type ServerStatusRequest } from './server-status-request.ts';
import { VolumeSnapshotLocationSchema, type VolumeSnapshotLocation } from './volume-snapshot-location.ts';

/** Every velero.io kind's TypeScript type, by kind name. */
export interface VeleroObjects {
  Backup: Backup;
  Restore: Restore;
  Schedule: Schedule;
  BackupStorageLocation: BackupStorageLocation;
  VolumeSnapshotLocation: VolumeSnapshotLocation;
  DeleteBackupRequest: DeleteBackupRequest;
  DownloadRequest: DownloadRequest;
  PodVolumeBackup: PodVolumeBackup;
  PodVolumeRestore: PodVolumeRestore;
  BackupRepository: BackupRepository;
  ServerStatusRequest: ServerStatusRequest;
  DataUpload: DataUpload;
  DataDownload: DataDownload;
}
export type VeleroKind = keyof VeleroObjects;
export type VeleroObject = VeleroObjects[VeleroKind];

/** A CRD's additionalPrinterColumns entry (what `kubectl get` shows). */
export interface PrinterColumn {
  name: string;
  type: 'string' | 'date' | 'integer' | 'boolean';
  jsonPath: string;
  description?: string;
  format?: 'int64';
  priority?: number;
}

export interface KindInfo {
  kind: VeleroKind;
  /** The resource name, as in URLs and `kubectl get`. */
  plural: string;
  singular: string;
  shortNames: readonly string[];
  version: typeof API_VERSION_V1 | typeof API_VERSION_V2ALPHA1;
  schema: TSchema;
  printerColumns: readonly PrinterColumn[];
}

// Columns several kinds share. The wording is ours; names, paths and types are Velero's (§1.0).
const age: PrinterColumn = { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp', description: 'Time since creation' };
const status: PrinterColumn = { name: 'Status', type: 'string', jsonPath: '.status.phase', description: 'Phase, such as New or InProgress' };
const started: PrinterColumn = { name: 'Started', type: 'date', jsonPath: '.status.startTimestamp', description: 'Time since the work started' };
const bytesDone: PrinterColumn = {
  name: 'Bytes Done',
  type: 'integer',
  format: 'int64',
  jsonPath: '.status.progress.bytesDone',
  description: 'Bytes transferred so far',
};
const totalBytes: PrinterColumn = {
  name: 'Total Bytes',
  type: 'integer',
  format: 'int64',
  jsonPath: '.status.progress.totalBytes',
  description: 'Bytes to transfer',
};
const incrementalBytes: PrinterColumn = {
  name: 'Incremental Bytes',
  type: 'integer',
  format: 'int64',
  jsonPath: '.status.progress.incrementalBytes',
  description: 'Bytes new since the previous snapshot',
  priority: 10,
};
const storageLocation: PrinterColumn = {
  name: 'Storage Location',
  type: 'string',
  jsonPath: '.spec.backupStorageLocation',
  description: 'Backup storage location of the repository',
};
// PodVolumeBackup has no status.node (the node is spec.node), so on that kind this column stays empty, as in Velero.
const node: PrinterColumn = { name: 'Node', type: 'string', jsonPath: '.status.node', description: 'Node doing the work' };

/** Catalogue order is Velero's install order: the v1 kinds, then the v2alpha1 ones. */
export const VELERO_KINDS: readonly KindInfo[] = [
  { kind: 'Backup', plural: 'backups', singular: 'backup', shortNames: [], version: 'v1', schema: BackupSchema, printerColumns: [] },
  { kind: 'Restore', plural: 'restores', singular: 'restore', shortNames: [], version: 'v1', schema: RestoreSchema, printerColumns: [] },
  {
    kind: 'Schedule',
    plural: 'schedules',
    singular: 'schedule',
    shortNames: [],
    version: 'v1',
    schema: ScheduleSchema,
    printerColumns: [
      { name: 'Status', type: 'string', jsonPath: '.status.phase', description: 'Phase of the schedule' },
      { name: 'Schedule', type: 'string', jsonPath: '.spec.schedule', description: 'Cron expression' },
      { name: 'LastBackup', type: 'date', jsonPath: '.status.lastBackup', description: 'Time of the last backup taken' },
      age,
      { name: 'Paused', type: 'boolean', jsonPath: '.spec.paused', description: 'Whether the schedule is paused' },
    ],
  },
  {
    kind: 'BackupStorageLocation',
    plural: 'backupstoragelocations',
    singular: 'backupstoragelocation',
    shortNames: ['bsl'],
    version: 'v1',
    schema: BackupStorageLocationSchema,
    printerColumns: [
      { name: 'Phase', type: 'string', jsonPath: '.status.phase', description: 'Available or Unavailable' },
      { name: 'Last Validated', type: 'date', jsonPath: '.status.lastValidationTime', description: 'Time of the last validation' },
      age,
      { name: 'Default', type: 'boolean', jsonPath: '.spec.default', description: 'Whether this is the default location' },
    ],
  },
  {
    kind: 'VolumeSnapshotLocation',
    plural: 'volumesnapshotlocations',
    singular: 'volumesnapshotlocation',
    shortNames: ['vsl'],
    version: 'v1',
    schema: VolumeSnapshotLocationSchema,
    printerColumns: [],
  },
  {
    kind: 'DeleteBackupRequest',
    plural: 'deletebackuprequests',
    singular: 'deletebackuprequest',
    shortNames: [],
    version: 'v1',
    schema: DeleteBackupRequestSchema,
    printerColumns: [
      { name: 'BackupName', type: 'string', jsonPath: '.spec.backupName', description: 'Backup to delete' },
      { name: 'Status', type: 'string', jsonPath: '.status.phase', description: 'Phase of the request' },
    ],
  },
  {
    kind: 'DownloadRequest',
    plural: 'downloadrequests',
    singular: 'downloadrequest',
    shortNames: [],
    version: 'v1',
    schema: DownloadRequestSchema,
    printerColumns: [],
  },
  {
    kind: 'PodVolumeBackup',
    plural: 'podvolumebackups',
    singular: 'podvolumebackup',
    shortNames: [],
    version: 'v1',
    schema: PodVolumeBackupSchema,
    printerColumns: [
      status,
      started,
      bytesDone,
      totalBytes,
      incrementalBytes,
      storageLocation,
      age,
      node,
      { name: 'Uploader', type: 'string', jsonPath: '.spec.uploaderType', description: 'Uploader moving the data' },
    ],
  },
  {
    kind: 'PodVolumeRestore',
    plural: 'podvolumerestores',
    singular: 'podvolumerestore',
    shortNames: [],
    version: 'v1',
    schema: PodVolumeRestoreSchema,
    printerColumns: [
      status,
      started,
      bytesDone,
      totalBytes,
      storageLocation,
      age,
      node,
      { name: 'Uploader Type', type: 'string', jsonPath: '.spec.uploaderType', description: 'Uploader moving the data' },
    ],
  },
  {
    kind: 'BackupRepository',
    plural: 'backuprepositories',
    singular: 'backuprepository',
    shortNames: [],
    version: 'v1',
    schema: BackupRepositorySchema,
    printerColumns: [age, { name: 'Repository Type', type: 'string', jsonPath: '.spec.repositoryType', description: 'Repository type, such as kopia' }],
  },
  {
    kind: 'ServerStatusRequest',
    plural: 'serverstatusrequests',
    singular: 'serverstatusrequest',
    shortNames: ['ssr'],
    version: 'v1',
    schema: ServerStatusRequestSchema,
    printerColumns: [],
  },
  {
    kind: 'DataUpload',
    plural: 'datauploads',
    singular: 'dataupload',
    shortNames: [],
    version: 'v2alpha1',
    schema: DataUploadSchema,
    printerColumns: [status, started, bytesDone, totalBytes, incrementalBytes, storageLocation, age, node],
  },
  {
    kind: 'DataDownload',
    plural: 'datadownloads',
    singular: 'datadownload',
    shortNames: [],
    version: 'v2alpha1',
    schema: DataDownloadSchema,
    printerColumns: [status, started, bytesDone, totalBytes, storageLocation, age, node],
  },
];

const BY_KIND = new Map<string, KindInfo>(VELERO_KINDS.map((k) => [k.kind, k]));

/** The catalogue entry of a kind; throws for a name that is not a velero.io kind. */
export function kindInfo(kind: VeleroKind): KindInfo {
  const info = BY_KIND.get(kind);
  if (info === undefined) throw new Error(`unknown velero.io kind ${String(kind)}`);
  return info;
}

export function isVeleroKind(kind: unknown): kind is VeleroKind {
  return typeof kind === 'string' && BY_KIND.has(kind);
}

/** `velero.io/v1` or `velero.io/v2alpha1`: the apiVersion objects of this kind carry. */
export function apiVersionOf(kind: VeleroKind): string {
  return `${API_GROUP}/${kindInfo(kind).version}`;
}

/** The kube client's address of a kind's resource. */
export function resourceRefOf(kind: VeleroKind): ResourceRef {
  const info = kindInfo(kind);
  return { group: API_GROUP, version: info.version, resource: info.plural, namespaced: true };
}

const ref = (kind: VeleroKind): ResourceRef => resourceRefOf(kind);

/** Resource refs for KubeClient calls, like `Resources` for built-in kinds: `client.get(VeleroResources.backups, name)`. */
export const VeleroResources = {
  backups: ref('Backup'),
  restores: ref('Restore'),
  schedules: ref('Schedule'),
  backupStorageLocations: ref('BackupStorageLocation'),
  volumeSnapshotLocations: ref('VolumeSnapshotLocation'),
  deleteBackupRequests: ref('DeleteBackupRequest'),
  downloadRequests: ref('DownloadRequest'),
  podVolumeBackups: ref('PodVolumeBackup'),
  podVolumeRestores: ref('PodVolumeRestore'),
  backupRepositories: ref('BackupRepository'),
  serverStatusRequests: ref('ServerStatusRequest'),
  dataUploads: ref('DataUpload'),
  dataDownloads: ref('DataDownload'),
} as const satisfies Record<string, ResourceRef>;
