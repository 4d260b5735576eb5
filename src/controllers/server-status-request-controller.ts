/**
 * @module controllers/server-status-request-controller: answers ServerStatusRequests (what `skiff version`
 * and `skiff plugin get` create) with the server's version and its plugins, and deletes each answered
 * request one minute after it was processed, as Velero does.
 */
import { isNotFound, type KubeClient } from '../kube/index.ts';
import { formatKubeTime, VeleroResources, type PluginInfo, type ServerStatusRequest } from '../api/index.ts';
import { BUILT_IN_BACKUP_ACTIONS } from '../backup/index.ts';
import { BUILT_IN_RESTORE_ACTIONS } from '../restore/index.ts';
import { PROVIDERS } from '../storage/index.ts';
import type { Logger } from '../log/index.ts';
import { Controller } from './runtime/controller.ts';

/** Processed requests live this long after processedTimestamp. */
export const SERVER_STATUS_REQUEST_TTL_MS = 60_000;

/**
 * Skiff's plugins, which are built in: the object stores (by their qualified provider names) and the
 * backup and restore item actions, under Velero's names and kinds.
 */
export function builtInPlugins(): PluginInfo[] {
  const stores = Object.values(PROVIDERS).map((names) => names.find((n) => n.includes('/')) ?? names[0]);
  return [
    ...stores.map((name): PluginInfo => ({ name, kind: 'ObjectStore' })),
    ...BUILT_IN_BACKUP_ACTIONS.map((a): PluginInfo => ({ name: a.name, kind: 'BackupItemAction' })),
    ...BUILT_IN_RESTORE_ACTIONS.map((a): PluginInfo => ({ name: a.name, kind: 'RestoreItemAction' })),
  ];
}

export interface ServerStatusRequestControllerOptions {
  client: KubeClient;
  namespace: string;
  /** What `status.serverVersion` says (Skiff's version, `v0.1.0` style). */
  serverVersion: string;
  plugins?: PluginInfo[];
  log: Logger;
  now?: () => Date;
}

export function serverStatusRequestController(opts: ServerStatusRequestControllerOptions): Controller<ServerStatusRequest> {
  const now = opts.now ?? (() => new Date());
  const log = opts.log.child({ controller: 'server-status-request' });
  const plugins = opts.plugins ?? builtInPlugins();
  return new Controller<ServerStatusRequest>({
    name: 'server-status-request',
    client: opts.client,
    resource: VeleroResources.serverStatusRequests,
    namespace: opts.namespace,
    concurrency: 2,
    onError: (k, err, retry) => log.warn(`server status request ${k} failed; retrying in ${retry} ms: ${(err as Error).message}`),
    reconcile: async (req) => {
      if (!req) return;
      const name = req.metadata.name!;
      const ns = req.metadata.namespace;
      if (req.status?.phase !== 'Processed') {
        const status = { phase: 'Processed', processedTimestamp: formatKubeTime(now()), serverVersion: opts.serverVersion, plugins };
        await opts.client.patch(VeleroResources.serverStatusRequests, name, 'merge', { status }, { namespace: ns }).catch(ignoreNotFound);
        return { requeueAfterMs: SERVER_STATUS_REQUEST_TTL_MS };
      }
      const processed = Date.parse(req.status.processedTimestamp ?? '');
      const left = Number.isNaN(processed) ? 0 : processed + SERVER_STATUS_REQUEST_TTL_MS - now().getTime();
      if (left > 0) return { requeueAfterMs: left };
      await opts.client.delete(VeleroResources.serverStatusRequests, name, { namespace: ns }).catch(ignoreNotFound);
    },
  });
}

function ignoreNotFound(err: unknown): void {
  if (!isNotFound(err)) throw err;
}
