/**
 * @module controllers/delete-backup-controller: carries out DeleteBackupRequests in Velero's order — refuse
 * what cannot be deleted, mark the backup Deleting, run the deletion steps (snapshots, volume data), delete
 * its files in object storage and the restores made from it, then the Backup itself. Every failure is
 * recorded on the request and logged; a failed deletion leaves the Backup `Deleting`, with whatever could
 * not be removed still in place, for the next request (or garbage collection) to try again.
 */
import { isNotFound, type KubeClient, type KubeObject, type ResourceRef } from '../kube/index.ts';
import type { BackupLike, LocationLike } from '../backup/index.ts';
import { LABEL_BACKUP_NAME, LABEL_BACKUP_UID, labelSafeName, VeleroResources, type DeleteBackupRequest, type Restore } from '../api/index.ts';
import type { BackupStore } from '../storage/index.ts';
import type { Logger } from '../log/index.ts';
import { mapLimit, sleep } from '../util/index.ts';
import { Controller } from './runtime/controller.ts';
import type { LocationStores } from './location-stores.ts';
import { runDeletionSteps, type BackupDeletionStep } from './deletion-steps.ts';

/** Processed requests (and ones stuck InProgress) are kept a day, as Velero keeps them. */
const KEEP_MS = 24 * 3600_000;
/** How long the restores of a deleted backup get to remove their files (Velero waits one minute). */
const RESTORES_GONE_TIMEOUT_MS = 60_000;
/** Phases of a backup that is still being written: deleting it now would race with its upload. */
const BUSY = new Set(['ReadyToStart', 'InProgress', 'WaitingForPluginOperations', 'WaitingForPluginOperationsPartiallyFailed', 'Finalizing', 'FinalizingPartiallyFailed']);

export interface DeleteBackupControllerOptions {
  client: KubeClient;
  namespace: string;
  stores: LocationStores;
  log: Logger;
  /** Run, in order, before the backup's files are deleted (volume snapshots, volume data). None yet. */
  steps?: readonly BackupDeletionStep[];
  /** How long to wait for the backup's restores to go (default one minute, as Velero). */
  restoresTimeoutMs?: number;
  now?: () => Date;
}

export function deleteBackupController(opts: DeleteBackupControllerOptions): Controller<DeleteBackupRequest> {
  const now = opts.now ?? (() => new Date());
  const log = opts.log.child({ controller: 'backup-deletion' });
  const { client, namespace } = opts;
  const steps = opts.steps ?? [];
  const inNs = { namespace };
  // Requests for one backup are handled one at a time (the first deletes the others anyway).
  const serial = new KeyedSerializer();

  const setStatus = (r: DeleteBackupRequest, status: Record<string, unknown>, labels?: Record<string, string>): Promise<unknown> =>
    client.patch(VeleroResources.deleteBackupRequests, r.metadata.name!, 'merge', { ...(labels ? { metadata: { labels } } : {}), status } as unknown as KubeObject, inNs);
  const reject = async (r: DeleteBackupRequest, error: string): Promise<void> => {
    log.warn(`delete request ${r.metadata.name} rejected: ${error}`, { backup: r.spec?.backupName });
    await setStatus(r, { phase: 'Processed', errors: [error] });
  };
  /** The other requests for the same backup (from the cache: one LIST at start, not one per request). */
  const requestsFor = (backupName: string, uid?: string): DeleteBackupRequest[] =>
    controller.informer.cache.list().filter((d) => d.spec?.backupName === backupName && (!uid || !d.metadata.labels?.[LABEL_BACKUP_UID] || d.metadata.labels[LABEL_BACKUP_UID] === uid));

  async function handle(requestName: string, signal: AbortSignal): Promise<void> {
    // Fresh, not cached: an earlier request for the same backup may have deleted or finished this one.
    const r = await client.getIfExists<DeleteBackupRequest>(VeleroResources.deleteBackupRequests, requestName, inNs);
    const name = r?.spec?.backupName;
    if (!r || !name || r.status?.phase === 'Processed') return;
    const resuming = r.status?.phase === 'InProgress';
    for (const other of requestsFor(name)) if (other.metadata.name !== requestName) await deleteQuietly(client, VeleroResources.deleteBackupRequests, other.metadata.name!, namespace);

    const backup = await client.getIfExists<BackupLike>(VeleroResources.backups, name, inNs);
    if (!backup && resuming) {
      // The Backup goes last, only after everything else went: an interrupted request had in fact finished.
      log.info(`backup ${name} is already gone: its interrupted deletion had finished`);
      await setStatus(r, { phase: 'Processed', errors: null });
      for (const d of requestsFor(name)) await deleteQuietly(client, VeleroResources.deleteBackupRequests, d.metadata.name!, namespace);
      return;
    }
    if (!backup) return reject(r, `backup ${name} not found`);
    const phase = backup.status?.phase || 'New';
    if (BUSY.has(phase)) return reject(r, `backup ${name} is still being processed (phase ${phase}); delete it once it has finished`);
    // A backup that never started wrote nothing to object storage (a run refuses a name already there): only
    // the object goes, and its location need not be usable.
    const unstarted = phase === 'New' || phase === 'Queued';
    const locationName = backup.spec?.storageLocation ?? '';
    let location: LocationLike | undefined;
    if (!unstarted) {
      location = locationName ? await client.getIfExists<LocationLike>(VeleroResources.backupStorageLocations, locationName, inNs) : undefined;
      const refusal = locationRefusal(name, locationName, location);
      if (refusal) return reject(r, refusal);
    }

    await setStatus(r, { phase: 'InProgress' }, { [LABEL_BACKUP_NAME]: labelSafeName(name), [LABEL_BACKUP_UID]: backup.metadata.uid! });
    // Conditional on the backup as read: a New or Queued backup that the backup controller starts meanwhile
    // makes this a 409, and the retry then refuses it as running; the controller's start is conditional too.
    if (phase !== 'Deleting') await client.patch(VeleroResources.backups, name, 'merge', { metadata: { resourceVersion: backup.metadata.resourceVersion }, status: { phase: 'Deleting' } } as unknown as KubeObject, inNs);
    log.info(`deleting backup ${name}${unstarted ? ' before it ran' : ''}`, { request: requestName, location: locationName });
    const errors = location ? await deleteData(backup, location, signal) : [];
    if (errors.length === 0) {
      await deleteQuietly(client, VeleroResources.backups, name, namespace);
      log.info(`backup ${name} deleted`, { request: requestName });
    } else {
      log.warn(`backup ${name} was not fully deleted and stays Deleting: ${errors.join('; ')}`, { request: requestName });
    }
    await setStatus(r, { phase: 'Processed', errors: errors.length > 0 ? errors : null });
    if (errors.length === 0) for (const d of requestsFor(name, backup.metadata.uid)) await deleteQuietly(client, VeleroResources.deleteBackupRequests, d.metadata.name!, namespace);
  }

  /** Everything but the Backup object; returns what failed. */
  async function deleteData(backup: BackupLike, location: LocationLike, signal: AbortSignal): Promise<string[]> {
    const name = backup.metadata.name!;
    const errors: string[] = [];
    let store: BackupStore | undefined;
    try {
      store = await opts.stores.forLocation(location);
    } catch (err) {
      errors.push(`backup storage location "${location.metadata.name}": ${(err as Error).message}`);
    }
    if (store) errors.push(...(await runDeletionSteps(steps, { backup, location, store, client, namespace, log, signal })));
    // The files go only when every step worked: what a step could not remove stays described by them.
    if (store && errors.length === 0) {
      try {
        await store.deleteBackup(name, { signal });
      } catch (err) {
        if (signal.aborted) throw err;
        errors.push(`deleting backups/${name}/ from object storage: ${(err as Error).message}`);
      }
    }
    errors.push(...(await deleteRestoresOf(name, signal)));
    return errors;
  }

  /** The restores made from the backup go too; their finalizer removes their files, which is waited for. */
  async function deleteRestoresOf(backupName: string, signal: AbortSignal): Promise<string[]> {
    const ofBackup = async (): Promise<Restore[]> => {
      try {
        return (await client.list<Restore>(VeleroResources.restores, inNs)).items.filter((x) => x.spec?.backupName === backupName);
      } catch (err) {
        if (isNotFound(err)) return [];
        throw err;
      }
    };
    const restores = await ofBackup();
    if (restores.length === 0) return [];
    const errors: string[] = [];
    await mapLimit(restores, 8, async (x) => {
      try {
        if (!x.metadata.deletionTimestamp) await deleteQuietly(client, VeleroResources.restores, x.metadata.name!, namespace);
      } catch (err) {
        errors.push(`deleting restore ${x.metadata.name}: ${(err as Error).message}`);
      }
    });
    const uids = new Set(restores.map((x) => x.metadata.uid));
    const deadline = Date.now() + (opts.restoresTimeoutMs ?? RESTORES_GONE_TIMEOUT_MS);
    for (;;) {
      const left = (await ofBackup()).filter((x) => uids.has(x.metadata.uid)).map((x) => x.metadata.name!);
      if (left.length === 0) break;
      if (Date.now() >= deadline) {
        errors.push(`restore(s) ${left.join(', ')} still exist: their files under restores/ may remain (is the restore controller running?)`);
        break;
      }
      await sleep(500, signal);
    }
    return errors;
  }

  const controller: Controller<DeleteBackupRequest> = new Controller<DeleteBackupRequest>({
    name: 'backup-deletion',
    client,
    resource: VeleroResources.deleteBackupRequests,
    namespace,
    concurrency: 4,
    resyncMs: 3600_000,
    onError: (k, err, retry) => log.warn(`delete request ${k} failed; retrying in ${retry} ms: ${(err as Error).message}`),
    reconcile: async (r, _key, signal) => {
      if (!r) return;
      const phase = r.status?.phase || 'New';
      const age = now().getTime() - Date.parse(r.metadata.creationTimestamp ?? '');
      // Velero's clean-up: finished requests, and ones stuck InProgress, go after a day.
      if (phase !== 'New' && age >= KEEP_MS) {
        await deleteQuietly(client, VeleroResources.deleteBackupRequests, r.metadata.name!, namespace);
        return;
      }
      if (phase === 'Processed') return { requeueAfterMs: KEEP_MS - age };
      if (!r.spec?.backupName) return reject(r, 'spec.backupName is required');
      // New requests, and InProgress ones a stopped server left behind: every step is idempotent.
      await serial.run(r.spec.backupName, () => handle(r.metadata.name!, signal));
    },
  });
  return controller;
}

/** Runs tasks with the same key one after another (different keys run at once). */
class KeyedSerializer {
  readonly #tails = new Map<string, Promise<unknown>>();

  run<T>(key: string, task: () => Promise<T>): Promise<T> {
    const result = (this.#tails.get(key) ?? Promise.resolve()).then(task);
    const tail = result.catch(() => undefined);
    this.#tails.set(key, tail);
    void tail.then(() => {
      if (this.#tails.get(key) === tail) this.#tails.delete(key);
    });
    return result;
  }
}

async function deleteQuietly(client: KubeClient, ref: ResourceRef, name: string, namespace: string): Promise<void> {
  await client.delete(ref, name, { namespace }).catch((err: unknown) => {
    if (!isNotFound(err)) throw err;
  });
}

/** Why a backup's files cannot be deleted from its location now, or undefined when they can. */
function locationRefusal(backup: string, name: string, location: LocationLike | undefined): string | undefined {
  if (!location) return `cannot delete backup ${backup}: backup storage location "${name}" not found`;
  if (location.spec?.accessMode === 'ReadOnly') return `cannot delete backup ${backup}: backup storage location "${name}" is read-only`;
  if (location.status?.phase === 'Available') return undefined;
  const why = location.status?.message ? `: ${location.status.message}` : '';
  return `cannot delete backup ${backup}: backup storage location "${name}" is ${location.status?.phase ?? 'not validated yet'}${why}`;
}
