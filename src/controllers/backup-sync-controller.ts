/**
 * @module controllers/backup-sync-controller: object storage is the source of truth. Each backup storage
 * location is synced every `--backup-sync-period` (its own `spec.backupSyncPeriod` wins; 0 disables), the
 * default location first, and at once when it becomes Available: backups found in storage but not in the
 * cluster are imported (with their PodVolumeBackups), and Completed or PartiallyFailed Backups of the
 * location whose files are gone are removed from the cluster. One bad backup in storage is skipped with a
 * warning; it never stops the others.
 */
import { isAlreadyExists, isNotFound, type KubeClient, type KubeObject } from '../kube/index.ts';
import type { BackupLike, LocationLike } from '../backup/index.ts';
import { formatKubeTime, VeleroResources, type Schedule } from '../api/index.ts';
import { isObjectNotFound, isStorageError, type BackupObject, type BackupStore } from '../storage/index.ts';
import type { Logger } from '../log/index.ts';
import { mapLimit } from '../util/index.ts';
import { Controller, type ControllerOptions } from './runtime/controller.ts';
import type { LocationStores } from './location-stores.ts';
import { importedBackup, importedPodVolumeBackup, orphansOf, syncPeriodOf, syncVerdict } from './backup-sync-import.ts';

/** Backups read from object storage at once (each a GET of velero-backup.json, maybe one of its PodVolumeBackups). */
const READ_CONCURRENCY = 8;
/** Warnings about one bad backup are logged once, not every period; beyond this many, the memory starts over. */
const MAX_REMEMBERED_WARNINGS = 10_000;

export interface BackupSyncControllerOptions {
  client: KubeClient;
  namespace: string;
  stores: LocationStores;
  /** `--backup-sync-period`, the default for locations without their own; 0 disables those. */
  periodMs: number;
  log: Logger;
  now?: () => Date;
}

/** What one sync of one location did. */
export interface SyncReport {
  inStorage: number;
  imported: number;
  orphansRemoved: number;
}

export function backupSyncController(opts: BackupSyncControllerOptions): Controller<LocationLike> {
  const now = opts.now ?? (() => new Date());
  const log = opts.log.child({ controller: 'backup-sync' });
  // Locations that just became Available (or changed) are synced at once, whatever their last sync time.
  const urgent = new Set<string>();
  const warned = new Set<string>();
  let started = false;
  const warnOnce = (key: string, message: string): void => {
    if (warned.has(key)) return log.debug(message);
    if (warned.size >= MAX_REMEMBERED_WARNINGS) warned.clear();
    warned.add(key);
    log.warn(message);
  };

  const controller = new SyncController(
    {
      name: 'backup-sync',
      client: opts.client,
      resource: VeleroResources.backupStorageLocations,
      namespace: opts.namespace,
      concurrency: 1,
      shouldEnqueue: (prev, cur) => {
        const specChanged = !!prev && JSON.stringify(prev.spec) !== JSON.stringify(cur.spec);
        if (prev && cur.status?.phase === 'Available' && (prev.status?.phase !== 'Available' || specChanged)) urgent.add(cur.metadata.name!);
        // Before start() the initial objects are left for it to enqueue in order; our own status writes are not worth a look.
        return started && (!prev || urgent.has(cur.metadata.name!) || specChanged);
      },
      onError: (k, err, retry) => log.warn(`syncing location ${k} failed; retrying in ${retry} ms: ${(err as Error).message}`),
      reconcile: async (bsl, key, signal) => {
        if (!bsl) return void urgent.delete(key.slice(key.indexOf('/') + 1));
        const name = bsl.metadata.name!;
        if (bsl.status?.phase !== 'Available') return;
        const period = syncPeriodOf(bsl, opts.periodMs);
        if (period === 0) return;
        const last = Date.parse(String(bsl.status?.lastSyncedTime ?? ''));
        const nowMs = now().getTime();
        if (!urgent.has(name) && !Number.isNaN(last) && nowMs - last < period) return { requeueAfterMs: last + period - nowMs };
        const report = await syncLocation(bsl, { client: opts.client, namespace: opts.namespace, stores: opts.stores, log, now, warnOnce, signal });
        urgent.delete(name);
        const summary = `location ${name} synced: ${report.inStorage} backup(s) in storage, ${report.imported} imported, ${report.orphansRemoved} orphan(s) removed`;
        if (report.imported > 0 || report.orphansRemoved > 0) log.info(summary);
        else log.debug(summary);
        return { requeueAfterMs: period };
      },
    },
    () => {
      started = true;
      // The default location first, as Velero: it is the one most restores read from.
      const all = controller.informer.cache.list().sort((a, b) => Number(b.spec?.default === true) - Number(a.spec?.default === true));
      for (const l of all) controller.enqueue(l);
    },
  );
  return controller;
}

/** A Controller that hands its filled cache to `afterStart` (to enqueue the objects in a chosen order). */
class SyncController extends Controller<LocationLike> {
  readonly #afterStart: () => void;

  constructor(opts: ControllerOptions<LocationLike>, afterStart: () => void) {
    super(opts);
    this.#afterStart = afterStart;
  }

  override async start(signal?: AbortSignal): Promise<void> {
    await super.start(signal);
    this.#afterStart();
  }
}

interface SyncDeps {
  client: KubeClient;
  namespace: string;
  stores: LocationStores;
  log: Logger;
  now: () => Date;
  warnOnce: (key: string, message: string) => void;
  signal: AbortSignal;
}

/** One sync of one location (velero-interfaces §3.7), then `status.lastSyncedTime`. */
export async function syncLocation(bsl: LocationLike, d: SyncDeps): Promise<SyncReport> {
  const location = bsl.metadata.name!;
  const { client, namespace, signal } = d;
  // The cluster first, storage second: a Backup already Completed in this list had its files written before
  // the listing below, so no Backup can look orphaned because of a race with its own upload.
  const inCluster = (await client.list<BackupLike>(VeleroResources.backups, { namespace })).items;
  const store = await d.stores.forLocation(bsl);
  const inStorage = await store.listBackups({ signal });
  const known = new Set(inCluster.map((b) => b.metadata.name!));
  let schedules: Promise<Map<string, string>> | undefined;
  const liveSchedules = (): Promise<Map<string, string>> =>
    (schedules ??= client.list<Schedule>(VeleroResources.schedules, { namespace }).then((l) => new Map(l.items.map((s) => [s.metadata.name!, s.metadata.uid!]))));

  const importOne = async (name: string): Promise<boolean> => {
    let stored: BackupObject;
    try {
      stored = await store.getBackupMetadata(name, { signal });
    } catch (err) {
      if (signal.aborted) throw err;
      if (isObjectNotFound(err)) d.warnOnce(`${location}/${name}/missing`, `backup ${name} in location ${location} has no velero-backup.json (a failed or unfinished backup); not synced`);
      else if (isStorageError(err, 'InvalidData')) d.warnOnce(`${location}/${name}/invalid`, `backup ${name} in location ${location} is not synced: ${(err as Error).message}`);
      else d.log.warn(`backup ${name} in location ${location} cannot be read, not synced this time: ${(err as Error).message}`);
      return false;
    }
    const verdict = syncVerdict(stored, name, d.now().getTime());
    if (!verdict.import) {
      if (verdict.level === 'warn') d.warnOnce(`${location}/${name}/${verdict.why}`, `backup ${name} in location ${location} is not synced: ${verdict.why}`);
      else d.log.debug(`backup ${name} in location ${location} is not synced yet: ${verdict.why}`);
      return false;
    }
    const owned = (stored.metadata?.ownerReferences as Array<{ kind?: string }> | undefined)?.some((o) => o.kind === 'Schedule');
    const wanted = importedBackup(stored, { namespace, location, schedules: owned ? await liveSchedules() : new Map(), ...(verdict.phase ? { phase: verdict.phase } : {}) });
    let created: BackupLike;
    try {
      created = await client.create<BackupLike>(VeleroResources.backups, wanted);
    } catch (err) {
      if (isAlreadyExists(err)) return false;
      throw err;
    }
    // Velero's CRDs have no status subresource, so the status was created with the object. CRDs that do
    // have one drop it on create: then it is written on its own.
    if (wanted.status && created.status?.phase !== wanted.status.phase) created = await client.updateStatus<BackupLike>(VeleroResources.backups, { ...created, status: wanted.status });
    d.log.info(`backup ${name} synced from location ${location}`, { phase: created.status?.phase ?? '' });
    await importPodVolumeBackups(store, created, location, d);
    return true;
  };

  const imported = await mapLimit(
    inStorage.filter((n) => !known.has(n)),
    READ_CONCURRENCY,
    (name) =>
      importOne(name).catch((err: unknown) => {
        if (signal.aborted) throw err;
        d.log.warn(`backup ${name} in location ${location} could not be synced: ${(err as Error).message}`);
        return false;
      }),
  );
  const orphansRemoved = await removeOrphans(store, inCluster, inStorage, location, d);
  await client.patch(VeleroResources.backupStorageLocations, location, 'merge', { status: { lastSyncedTime: formatKubeTime(d.now()) } } as unknown as KubeObject, { namespace }).catch((err: unknown) => {
    if (!isNotFound(err)) throw err;
  });
  return { inStorage: inStorage.length, imported: imported.filter(Boolean).length, orphansRemoved };
}

async function importPodVolumeBackups(store: BackupStore, backup: BackupLike, location: string, d: SyncDeps): Promise<void> {
  const name = backup.metadata.name!;
  let pvbs;
  try {
    pvbs = (await store.getBackupSidecar(name, 'podVolumeBackups', { signal: d.signal })) ?? [];
  } catch (err) {
    if (d.signal.aborted) throw err;
    d.log.warn(`backup ${name}: its PodVolumeBackups in location ${location} cannot be read, so they are not synced: ${(err as Error).message}`);
    return;
  }
  await mapLimit(pvbs, 4, async (pvb) => {
    const obj = importedPodVolumeBackup(pvb, { namespace: d.namespace, location, backupName: name, backupUid: backup.metadata.uid! });
    try {
      await d.client.create(VeleroResources.podVolumeBackups, obj);
    } catch (err) {
      if (!isAlreadyExists(err)) d.log.warn(`backup ${name}: PodVolumeBackup ${obj.metadata.name} could not be synced: ${(err as Error).message}`);
    }
  });
}

/**
 * Velero's orphan removal, guarded: nothing is removed when storage lists no backup at all (a wrong prefix
 * or a listing that silently failed looks just like that), and each orphan's velero-backup.json is checked
 * once more before its Backup goes, so a truncated listing cannot remove a backup whose files exist.
 */
async function removeOrphans(store: BackupStore, inCluster: BackupLike[], inStorage: string[], location: string, d: SyncDeps): Promise<number> {
  const orphans = orphansOf(inCluster, new Set(inStorage), location);
  if (orphans.length === 0) return 0;
  if (inStorage.length === 0) {
    d.warnOnce(
      `${location}/empty/${orphans.length}`,
      `location ${location} lists no backups, yet ${orphans.length} finished Backup(s) in the cluster are stored there; they are kept, in case the listing is wrong (if the location really is empty, remove them with skiff backup delete)`,
    );
    return 0;
  }
  const removed = await mapLimit(orphans, READ_CONCURRENCY, async (b) => {
    const name = b.metadata.name!;
    if (await store.backupExists(name, { signal: d.signal })) {
      d.log.warn(`backup ${name} was missing from the listing of location ${location} but its files exist; kept`);
      return false;
    }
    try {
      await d.client.delete(VeleroResources.backups, name, { namespace: d.namespace, preconditions: { uid: b.metadata.uid! } });
    } catch (err) {
      if (isNotFound(err)) return false;
      d.log.warn(`backup ${name} is gone from location ${location}, but its Backup could not be removed: ${(err as Error).message}`);
      return false;
    }
    d.log.info(`backup ${name} is gone from location ${location}; its Backup was removed from the cluster`);
    return true;
  });
  return removed.filter(Boolean).length;
}
