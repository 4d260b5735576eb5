/** @module storage/layout: Velero's object-storage key layout (root, backups/, restores/, download targets). */
import { StorageError } from './errors.ts';

/** The only top-level directories Velero tolerates under a location's root (anything else makes it Unavailable). */
export const VALID_TOP_LEVEL_DIRS = ['backups', 'restores', 'kopia', 'restic', 'metadata', 'plugins'] as const;

/** Velero's DownloadRequest signed-URL lifetime. */
export const DOWNLOAD_URL_TTL_MS = 10 * 60 * 1000;

/** Backup sidecar files: `backups/<n>/<n><suffix>`. The csi* ones are legacy (read, never written since 1.17/1.18). */
export const BACKUP_SIDECAR_SUFFIXES = {
  resourceList: '-resource-list.json.gz',
  results: '-results.gz',
  volumeInfo: '-volumeinfo.json.gz',
  podVolumeBackups: '-podvolumebackups.json.gz',
  volumeSnapshots: '-volumesnapshots.json.gz',
  itemOperations: '-itemoperations.json.gz',
  csiVolumeSnapshots: '-csi-volumesnapshots.json.gz',
  csiVolumeSnapshotContents: '-csi-volumesnapshotcontents.json.gz',
  csiVolumeSnapshotClasses: '-csi-volumesnapshotclasses.json.gz',
} as const;
export type BackupSidecarKind = keyof typeof BACKUP_SIDECAR_SUFFIXES;

/** Restore files: `restores/<r>/restore-<r><suffix>`, except volumeInfo, which Velero names `<r>-volumeinfo.json.gz`. */
export const RESTORE_SIDECAR_SUFFIXES = {
  results: '-results.gz',
  resourceList: '-resource-list.json.gz',
  itemOperations: '-itemoperations.json.gz',
  volumeInfo: '-volumeinfo.json.gz',
} as const;
export type RestoreSidecarKind = keyof typeof RESTORE_SIDECAR_SUFFIXES;

/**
 * The kinds a DownloadRequest names (the velero.io API's list). Taken from the API's dependency-free constants
 * module, not its door: the door loads the CRD schemas (typebox, yaml: ~800 modules, 30+ MB), and storage is
 * also what the volume-data repository and the node agent load, where that memory is the budget.
 */
export { DOWNLOAD_TARGET_KINDS, type DownloadTargetKind } from '../api/labels.ts';
import { DOWNLOAD_TARGET_KINDS, type DownloadTargetKind } from '../api/labels.ts';

/** A DownloadRequest's `spec.target`; for Restore* kinds `name` is the restore's name. */
export interface DownloadTarget {
  kind: DownloadTargetKind;
  name: string;
}

const BACKUP_TARGETS: Partial<Record<DownloadTargetKind, BackupSidecarKind | 'contents' | 'log'>> = {
  BackupContents: 'contents',
  BackupLog: 'log',
  BackupVolumeSnapshots: 'volumeSnapshots',
  BackupItemOperations: 'itemOperations',
  BackupResourceList: 'resourceList',
  BackupResults: 'results',
  BackupVolumeInfos: 'volumeInfo',
  CSIBackupVolumeSnapshots: 'csiVolumeSnapshots',
  CSIBackupVolumeSnapshotContents: 'csiVolumeSnapshotContents',
};

const RESTORE_TARGETS: Partial<Record<DownloadTargetKind, RestoreSidecarKind | 'log'>> = {
  RestoreLog: 'log',
  RestoreResults: 'results',
  RestoreResourceList: 'resourceList',
  RestoreItemOperations: 'itemOperations',
  RestoreVolumeInfo: 'volumeInfo',
};

/** A BSL prefix as Velero uses it: trimmed of `/` at both ends. */
export function normalizePrefix(prefix: string | undefined): string {
  return (prefix ?? '').replace(/^\/+|\/+$/g, '');
}

/**
 * Backup and restore names become key segments, so they must be one non-empty segment. Kubernetes names
 * are far stricter; this only guards the layout against keys that escape their directory.
 */
export function assertObjectName(name: string, what: 'backup' | 'restore'): void {
  if (!name || name === '.' || name === '..' || /[/\\\0]/.test(name)) {
    throw new StorageError({ reason: 'InvalidArgument', message: `invalid ${what} name ${JSON.stringify(name)}: it must be one non-empty path segment` });
  }
}

/** The keys of one location: `<root>` is `<prefix>/`, or '' at the bucket root. */
export class ObjectStoreLayout {
  readonly prefix: string;
  readonly root: string;

  constructor(prefix?: string) {
    this.prefix = normalizePrefix(prefix);
    this.root = this.prefix ? `${this.prefix}/` : '';
  }

  /** `<root><dir>/` for one of the valid top-level directories. */
  subdir(dir: (typeof VALID_TOP_LEVEL_DIRS)[number]): string {
    return `${this.root}${dir}/`;
  }

  isValidTopLevelDir(dir: string): boolean {
    return (VALID_TOP_LEVEL_DIRS as readonly string[]).includes(dir);
  }

  backupDir(name: string): string {
    assertObjectName(name, 'backup');
    return `${this.subdir('backups')}${name}/`;
  }

  backupMetadataKey(name: string): string {
    return `${this.backupDir(name)}velero-backup.json`;
  }

  backupContentsKey(name: string): string {
    return `${this.backupDir(name)}${name}.tar.gz`;
  }

  backupLogKey(name: string): string {
    return `${this.backupDir(name)}${name}-logs.gz`;
  }

  backupSidecarKey(name: string, kind: BackupSidecarKind): string {
    return `${this.backupDir(name)}${name}${BACKUP_SIDECAR_SUFFIXES[kind]}`;
  }

  restoreDir(name: string): string {
    assertObjectName(name, 'restore');
    return `${this.subdir('restores')}${name}/`;
  }

  restoreLogKey(name: string): string {
    return `${this.restoreDir(name)}restore-${name}-logs.gz`;
  }

  restoreSidecarKey(name: string, kind: RestoreSidecarKind): string {
    // Velero's one inconsistency: the restore volume info has no `restore-` prefix.
    const stem = kind === 'volumeInfo' ? name : `restore-${name}`;
    return `${this.restoreDir(name)}${stem}${RESTORE_SIDECAR_SUFFIXES[kind]}`;
  }

  /** The key a DownloadRequest's target points at (the table in Velero's object_store_layout). */
  downloadTargetKey(target: DownloadTarget): string {
    const b = BACKUP_TARGETS[target.kind];
    if (b === 'contents') return this.backupContentsKey(target.name);
    if (b === 'log') return this.backupLogKey(target.name);
    if (b) return this.backupSidecarKey(target.name, b);
    const r = RESTORE_TARGETS[target.kind];
    if (r === 'log') return this.restoreLogKey(target.name);
    if (r) return this.restoreSidecarKey(target.name, r);
    throw new StorageError({ reason: 'InvalidArgument', message: `unknown download target kind ${JSON.stringify(target.kind)} (known: ${DOWNLOAD_TARGET_KINDS.join(', ')})` });
  }
}
