/**
 * @module controllers/delete-backup-controller: carries out DeleteBackupRequests in Velero's order —
 * refuse what cannot be deleted, mark the backup Deleting, delete its files in object storage, the
 * restores made from it, then the Backup itself — and reports every failure on the request.
 */
import type { KubeClient, KubeObject } from '../kube/index.ts';
import { isNotFound } from '../kube/index.ts';
import type { BackupLike } from '../backup/index.ts';
import { VeleroResources } from '../api/index.ts';
import type { Logger } from '../log/index.ts';
import { Controller } from './runtime/controller.ts';
import type { LocationStores } from './location-stores.ts';
import { listLocations } from './backup-controller.ts';

/** Processed requests are kept a day, as Velero keeps them. */
const KEEP_PROCESSED_MS = 24 * 3600 * 1000;
const BUSY = new Set(['New', 'Queued', 'InProgress', 'WaitingForPluginOperations', 'WaitingForPluginOperationsPartiallyFailed', 'Finalizing', 'FinalizingPartiallyFailed']);

interface DeleteBackupRequest extends KubeObject {
  spec?: { backupName?: string };
  status?: { phase?: string; errors?: string[] };
}

export interface DeleteBackupControllerOptions {
  client: KubeClient;
  namespace: string;
  stores: LocationStores;
  log: Logger;
  now?: () => Date;
}

export function deleteBackupController(opts: DeleteBackupControllerOptions): Controller<DeleteBackupRequest> {
  const now = opts.now ?? (() => new Date());
  const log = opts.log.child({ controller: 'backup-deletion' });
  const { client } = opts;
  const setStatus = (r: DeleteBackupRequest, status: Record<string, unknown>, labels?: Record<string, string>): Promise<unknown> =>
    client.patch(VeleroResources.deleteBackupRequests, r.metadata.name!, 'merge', { ...(labels ? { metadata: { labels } } : {}), status }, { namespace: r.metadata.namespace });
  const reject = async (r: DeleteBackupRequest, error: string): Promise<void> => {
    log.info(`delete request ${r.metadata.name} rejected: ${error}`);
    await setStatus(r, { phase: 'Processed', errors: [error] });
  };

  return new Controller<DeleteBackupRequest>({
    name: 'backup-deletion',
    client,
    resource: VeleroResources.deleteBackupRequests,
    namespace: opts.namespace,
    concurrency: 2,
    resyncMs: 3600_000,
    onError: (k, err, retry) => log.warn(`delete request ${k} failed; retrying in ${retry} ms: ${(err as Error).message}`),
    reconcile: async (r) => {
      if (!r) return;
      const ns = r.metadata.namespace!;
      const phase = r.status?.phase || 'New';
      if (phase === 'Processed') {
        if (now().getTime() - Date.parse(r.metadata.creationTimestamp ?? '') > KEEP_PROCESSED_MS) await deleteQuietly(client, VeleroResources.deleteBackupRequests, r.metadata.name!, ns);
        return;
      }
      const name = r.spec?.backupName;
      if (!name) return reject(r, 'spec.backupName is required');
      const backup = await client.getIfExists<BackupLike>(VeleroResources.backups, name, { namespace: ns });
      if (!backup) return reject(r, `backup ${name} not found`);
      if (BUSY.has(backup.status?.phase || 'New')) return reject(r, `backup ${name} is still being processed (phase ${backup.status?.phase || 'New'}); delete it once it has finished`);
      const location = (await listLocations(client, ns)).find((l) => l.metadata.name === backup.spec?.storageLocation);
      if (!location) return reject(r, `backup storage location "${backup.spec?.storageLocation}" not found`);
      if (location.spec?.accessMode === 'ReadOnly') return reject(r, `cannot delete backup ${name}: backup storage location "${location.metadata.name}" is read-only`);
      if (location.status?.phase !== 'Available') return reject(r, `cannot delete backup ${name}: backup storage location "${location.metadata.name}" is not available`);

      await setStatus(r, { phase: 'InProgress' }, { 'velero.io/backup-name': name, 'velero.io/backup-uid': backup.metadata.uid! });
      await client.patch(VeleroResources.backups, name, 'merge', { status: { phase: 'Deleting' } }, { namespace: ns });
      log.info(`deleting backup ${name}`);
      const errors: string[] = [];
      try {
        await (await opts.stores.forLocation(location)).deleteBackup(name);
      } catch (err) {
        errors.push(`deleting the files of backup ${name} from object storage: ${(err as Error).message}`);
      }
      errors.push(...(await deleteRestoresOf(client, ns, name)));
      if (errors.length === 0) {
        await deleteQuietly(client, VeleroResources.backups, name, ns);
        log.info(`backup ${name} deleted`);
      } else {
        log.warn(`backup ${name} was not fully deleted: ${errors.join('; ')}`);
      }
      await setStatus(r, { phase: 'Processed', errors: errors.length ? errors : null });
      if (errors.length === 0) await deleteOtherRequests(client, ns, name, r.metadata.name!);
    },
  });
}

/** The restores made from the backup go too (their own cleanup removes their files). */
async function deleteRestoresOf(client: KubeClient, namespace: string, backup: string): Promise<string[]> {
  const errors: string[] = [];
  const restores = await client.list(VeleroResources.restores, { namespace }).catch((err: unknown) => (isNotFound(err) ? { items: [] as KubeObject[] } : Promise.reject(err)));
  for (const r of restores.items) {
    if ((r.spec as { backupName?: string } | undefined)?.backupName !== backup) continue;
    try {
      await deleteQuietly(client, VeleroResources.restores, r.metadata.name!, namespace);
    } catch (err) {
      errors.push(`deleting restore ${r.metadata.name}: ${(err as Error).message}`);
    }
  }
  return errors;
}

async function deleteOtherRequests(client: KubeClient, namespace: string, backup: string, keep: string): Promise<void> {
  const all = await client.list<DeleteBackupRequest>(VeleroResources.deleteBackupRequests, { namespace });
  for (const r of all.items) if (r.spec?.backupName === backup && r.metadata.name !== keep) await deleteQuietly(client, VeleroResources.deleteBackupRequests, r.metadata.name!, namespace);
}

async function deleteQuietly(client: KubeClient, ref: typeof VeleroResources.backups, name: string, namespace: string): Promise<void> {
  await client.delete(ref, name, { namespace }).catch((err: unknown) => {
    if (!isNotFound(err)) throw err;
  });
}
