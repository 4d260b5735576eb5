/**
 * @module controllers/backup-sync-import: the rules of backup sync, as pure functions — when a location is
 * due, which backups found in object storage are imported and how their objects are rewritten for this
 * cluster, and which Backups in the cluster are orphans (velero-interfaces §3.7).
 */
import type { KubeObject, ObjectMeta, OwnerReference } from '../kube/index.ts';
import type { BackupLike, LocationLike } from '../backup/index.ts';
import { GROUP_VERSION_V1, LABEL_BACKUP_UID, LABEL_STORAGE_LOCATION, labelSafeName } from '../api/index.ts';
import type { BackupObject, JsonObject } from '../storage/index.ts';
import { parseGoDuration } from '../util/index.ts';

/** Written by a server that is still finishing the backup: imported only once expired (then PartiallyFailed, for GC). */
const FINISHING = new Set(['WaitingForPluginOperations', 'WaitingForPluginOperationsPartiallyFailed', 'Finalizing', 'FinalizingPartiallyFailed']);
/**
 * Never finished (Velero never writes these; a hand-made or torn file might). Importing one would hand this
 * server a New or InProgress backup to run, over the files of the original.
 */
const NOT_STARTED = new Set(['', 'New', 'Queued', 'ReadyToStart', 'InProgress']);
/** The phases sync's orphan removal applies to (Velero's code: Completed and PartiallyFailed). */
const ORPHAN_PHASES = new Set(['Completed', 'PartiallyFailed']);

/**
 * A location's sync period: its own `spec.backupSyncPeriod` when set (0 disables, a negative or unreadable
 * one means the server's), else the server's `--backup-sync-period` (0 disables).
 */
export function syncPeriodOf(location: LocationLike, serverDefaultMs: number): number {
  const fallback = Math.max(0, serverDefaultMs);
  const own = location.spec?.backupSyncPeriod;
  if (own === undefined || own === null || own === '') return fallback;
  try {
    const ms = parseGoDuration(String(own));
    return ms < 0 ? fallback : ms;
  } catch {
    return fallback;
  }
}

/** Whether a backup found in storage is imported, and with which phase; if not, why, and how loudly. */
export type SyncVerdict = { import: true; phase?: 'PartiallyFailed' } | { import: false; level: 'warn' | 'debug'; why: string };

export function syncVerdict(stored: BackupObject, dirName: string, nowMs: number): SyncVerdict {
  if (stored.metadata?.name !== dirName) {
    return { import: false, level: 'warn', why: `its velero-backup.json names backup ${JSON.stringify(stored.metadata?.name ?? '')}, not ${JSON.stringify(dirName)}` };
  }
  const phase = String(stored.status?.phase ?? '');
  if (FINISHING.has(phase)) {
    const expiration = Date.parse(String(stored.status?.expiration ?? ''));
    if (Number.isNaN(expiration) || expiration > nowMs) return { import: false, level: 'debug', why: `it is still ${phase} in the cluster that wrote it` };
    return { import: true, phase: 'PartiallyFailed' };
  }
  if (NOT_STARTED.has(phase)) return { import: false, level: 'warn', why: `its velero-backup.json says phase ${JSON.stringify(phase)}: the backup never finished` };
  return { import: true };
}

export interface ImportTarget {
  /** The server namespace. */
  namespace: string;
  /** The location the backup was found in. */
  location: string;
}

/**
 * The Backup to create for one found in storage: in this server's namespace, on this location (spec and
 * label), without what the API server assigns, and with owner references to Schedules kept only when that
 * very Schedule (name and uid) exists here. `schedules` maps the namespace's Schedule names to their uids.
 */
export function importedBackup(stored: BackupObject, target: ImportTarget & { schedules: ReadonlyMap<string, string>; phase?: string }): BackupLike {
  const meta = clientMeta(stored.metadata as ObjectMeta | undefined);
  const owners = (meta.ownerReferences ?? []).filter((o) => o.kind !== 'Schedule' || target.schedules.get(o.name) === o.uid);
  const { ownerReferences: _dropped, ...rest } = meta;
  return {
    ...stored,
    apiVersion: GROUP_VERSION_V1,
    kind: 'Backup',
    metadata: {
      ...rest,
      namespace: target.namespace,
      labels: { ...meta.labels, [LABEL_STORAGE_LOCATION]: labelSafeName(target.location) },
      ...(owners.length > 0 ? { ownerReferences: owners } : {}),
    },
    spec: { ...stored.spec, storageLocation: target.location },
    ...(stored.status ? { status: { ...stored.status, ...(target.phase ? { phase: target.phase } : {}) } } : {}),
  } as BackupLike;
}

/**
 * A PodVolumeBackup from `<backup>-podvolumebackups.json.gz`, pointed at the imported Backup: its owner
 * reference and `velero.io/backup-uid` label carry the new Backup's uid. (The file is written by Go's
 * encoding/json, so apiVersion and kind may be missing.)
 */
export function importedPodVolumeBackup(pvb: JsonObject, target: ImportTarget & { backupName: string; backupUid: string }): KubeObject {
  const meta = clientMeta(pvb.metadata as ObjectMeta | undefined);
  const owners = (meta.ownerReferences ?? []).map((o): OwnerReference => (o.kind === 'Backup' && o.name === target.backupName ? { ...o, uid: target.backupUid } : o));
  return {
    ...pvb,
    apiVersion: GROUP_VERSION_V1,
    kind: 'PodVolumeBackup',
    metadata: {
      ...meta,
      namespace: target.namespace,
      labels: { ...meta.labels, [LABEL_BACKUP_UID]: target.backupUid },
      ...(owners.length > 0 ? { ownerReferences: owners } : {}),
    },
    spec: { ...(pvb.spec as JsonObject | undefined), backupStorageLocation: target.location },
  };
}

/**
 * Backups of this location, Completed or PartiallyFailed, whose name the location no longer lists
 * (Velero's orphans; Backups still running, failed or being deleted are left alone).
 */
export function orphansOf(inCluster: readonly BackupLike[], inBucket: ReadonlySet<string>, location: string): BackupLike[] {
  const label = labelSafeName(location);
  return inCluster.filter(
    (b) => b.metadata.labels?.[LABEL_STORAGE_LOCATION] === label && ORPHAN_PHASES.has(b.status?.phase ?? '') && !b.metadata.deletionTimestamp && !inBucket.has(b.metadata.name!),
  );
}

/** Metadata as a client sends it: what the API server assigns (uid, resourceVersion, timestamps …) removed. */
function clientMeta(meta: ObjectMeta | undefined): ObjectMeta {
  const {
    uid: _uid,
    resourceVersion: _rv,
    creationTimestamp: _ct,
    generation: _gen,
    managedFields: _mf,
    selfLink: _sl,
    deletionTimestamp: _dt,
    deletionGracePeriodSeconds: _dg,
    ...rest
  } = meta ?? {};
  return rest;
}
