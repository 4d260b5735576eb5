/**
 * @module bench/scenarios/backup: K1/K3 — a real `skiff server` (in this fresh process) backs up the whole
 * cluster into MinIO; the figure is objects/s from creating the Backup to Completed, and this process's
 * peak RSS is the server's. The floor pages through the same resource types with a bare client.
 */
import { VeleroResources } from '../../src/api/index.ts';
import { DEFAULT_SERVER_CONFIG, startServer } from '../../src/server/index.ts';
import { KubeClient } from '../../src/kube/index.ts';
import { barePager, pool } from '../floors.ts';
import { loadState, type Prepared, type ScenarioArgs } from '../scenario-context.ts';

export interface BackupArgs extends ScenarioArgs {
  /** The server namespace, with a location already Available (set up by the orchestrator, untimed). */
  serverNamespace: string;
  /** For the floor: every listable resource path, cluster-wide (e.g. /api/v1/configmaps). */
  paths?: string[];
  /** A fixed name and spec (K2/K4 make the backup they restore this way); default a full backup named k1-<time>. */
  backupName?: string;
  backupSpec?: Record<string, unknown>;
}

export async function skiffBackup(args: BackupArgs): Promise<Prepared> {
  const state = await loadState(args.stateFile);
  const server = await startServer({
    config: { ...DEFAULT_SERVER_CONFIG, namespace: args.serverNamespace, kubeconfig: state.kubeconfig, logLevel: 'warning', metricsAddress: '127.0.0.1:0' },
    env: { AWS_SHARED_CREDENTIALS_FILE: state.s3.credentialsFile },
    write: () => undefined,
  });
  const client = await KubeClient.fromKubeConfig({ kubeconfig: { kubeconfig: state.kubeconfig, env: {} } });
  const name = args.backupName ?? `k1-${Date.now()}`;
  return {
    run: async () => {
      await client.create(VeleroResources.backups, { apiVersion: 'velero.io/v1', kind: 'Backup', metadata: { name, namespace: args.serverNamespace }, spec: args.backupSpec ?? {} });
      for (;;) {
        const b = await client.get(VeleroResources.backups, name, { namespace: args.serverNamespace });
        const status = (b.status ?? {}) as { phase?: string; progress?: { itemsBackedUp?: number }; errors?: number; warnings?: number };
        if (['Completed', 'PartiallyFailed', 'Failed', 'FailedValidation'].includes(status.phase ?? '')) {
          if (status.phase !== 'Completed') throw new Error(`backup ended ${status.phase}: ${JSON.stringify(status)}`);
          // The server's own requests (its client is separate from this poller's).
          const byVerb: Record<string, number> = {};
          for (const [k, v] of Object.entries(server.client.transport.stats.requests)) byVerb[`server ${k.split(' ')[0]}`] = (byVerb[`server ${k.split(' ')[0]}`] ?? 0) + v;
          return { objects: status.progress?.itemsBackedUp ?? 0, extra: { warnings: status.warnings ?? 0, ...byVerb } };
        }
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    close: async () => {
      await client.close();
      await server.stop();
    },
  };
}

export async function floorPagerAll(args: BackupArgs): Promise<Prepared> {
  const state = await loadState(args.stateFile);
  const p = await pool(state, 1);
  return {
    run: async () => {
      let objects = 0;
      let pages = 0;
      for (const path of args.paths ?? []) {
        const r = await barePager(p, state, { ...args, namespace: '' }, path);
        objects += r.objects;
        pages += r.pages;
      }
      return { objects, extra: { pages, types: args.paths?.length ?? 0 } };
    },
    close: () => p.close(),
  };
}
