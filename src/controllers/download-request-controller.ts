/**
 * @module controllers/download-request-controller: answers DownloadRequests with a pre-signed URL
 * (valid 10 minutes) to a backup's or restore's file, so clients need no bucket credentials; expired
 * requests are deleted.
 */
import type { KubeClient, KubeObject } from '../kube/index.ts';
import { isNotFound } from '../kube/index.ts';
import { formatKubeTime, VeleroResources } from '../api/index.ts';
import type { BackupLike } from '../backup/index.ts';
import type { Logger } from '../log/index.ts';
import { Controller } from './runtime/controller.ts';
import type { LocationStores } from './location-stores.ts';
import { listLocations } from './backup-controller.ts';

const URL_TTL_MS = 10 * 60 * 1000;

interface DownloadRequest extends KubeObject {
  spec?: { target?: { kind?: string; name?: string } };
  status?: { phase?: string; downloadURL?: string; expiration?: string };
}

export interface DownloadRequestControllerOptions {
  client: KubeClient;
  namespace: string;
  stores: LocationStores;
  log: Logger;
  now?: () => Date;
}

export function downloadRequestController(opts: DownloadRequestControllerOptions): Controller<DownloadRequest> {
  const now = opts.now ?? (() => new Date());
  const log = opts.log.child({ controller: 'download-request' });
  return new Controller<DownloadRequest>({
    name: 'download-request',
    client: opts.client,
    resource: VeleroResources.downloadRequests,
    namespace: opts.namespace,
    concurrency: 4,
    onError: (k, err, retry) => log.warn(`download request ${k} failed; retrying in ${retry} ms: ${(err as Error).message}`),
    reconcile: async (dr) => {
      if (!dr) return;
      const ns = dr.metadata.namespace!;
      if (dr.status?.phase === 'Processed') {
        const expires = Date.parse(dr.status.expiration ?? '');
        if (Number.isNaN(expires) || expires <= now().getTime()) {
          await opts.client.delete(VeleroResources.downloadRequests, dr.metadata.name!, { namespace: ns }).catch((err: unknown) => {
            if (!isNotFound(err)) throw err;
          });
          return;
        }
        return { requeueAfterMs: expires - now().getTime() + 1000 };
      }
      const kind = dr.spec?.target?.kind ?? '';
      const name = dr.spec?.target?.name ?? '';
      const backupName = kind.startsWith('Restore') ? await restoreBackup(opts.client, ns, name) : name;
      const backup = backupName ? await opts.client.getIfExists<BackupLike>(VeleroResources.backups, backupName, { namespace: ns }) : undefined;
      const location = backup && (await listLocations(opts.client, ns)).find((l) => l.metadata.name === backup.spec?.storageLocation);
      if (!backup || !location) {
        // Nothing to sign: answer with no URL (the client reports it) and let the request expire.
        log.info(`download request ${dr.metadata.name}: ${!backup ? `backup "${backupName}" does not exist` : `its backup storage location does not exist`}`);
        await opts.client.patch(VeleroResources.downloadRequests, dr.metadata.name!, 'merge', { status: { phase: 'Processed', downloadURL: '', expiration: formatKubeTime(new Date(now().getTime() + 60_000)) } }, { namespace: ns });
        return { requeueAfterMs: 61_000 };
      }
      const store = await opts.stores.forLocation(location);
      const url = await store.getDownloadUrl({ kind: kind as never, name }, URL_TTL_MS);
      const expiration = formatKubeTime(new Date(now().getTime() + URL_TTL_MS));
      await opts.client.patch(VeleroResources.downloadRequests, dr.metadata.name!, 'merge', { status: { phase: 'Processed', downloadURL: url, expiration } }, { namespace: ns });
      return { requeueAfterMs: URL_TTL_MS + 1000 };
    },
  });
}

async function restoreBackup(client: KubeClient, namespace: string, restore: string): Promise<string> {
  const r = await client.getIfExists(VeleroResources.restores, restore, { namespace });
  return (r?.spec as { backupName?: string } | undefined)?.backupName ?? '';
}
