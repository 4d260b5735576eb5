/**
 * @module controllers/backup-controller: takes New backups through Queued and InProgress to
 * Completed, PartiallyFailed, Failed or FailedValidation, as Velero's backup controllers do.
 */
import type { KubeClient } from '../kube/index.ts';
import type { BackupLike, LocationLike, ServerDefaults } from '../backup/index.ts';
import type { Logger } from '../log/index.ts';
import { Controller } from './runtime/controller.ts';
import type { LocationStores } from './location-stores.ts';
import { executeBackup } from './backup-execution.ts';
import { formatKubeTime, VeleroResources } from '../api/index.ts';

const TERMINAL = new Set(['Completed', 'PartiallyFailed', 'Failed', 'FailedValidation', 'Deleting']);

export interface BackupControllerOptions {
  client: KubeClient;
  namespace: string;
  stores: LocationStores;
  concurrentBackups: number;
  defaults: Partial<ServerDefaults>;
  pageSize: number;
  listConcurrency: number;
  log: Logger;
  now?: () => Date;
}

export function backupController(opts: BackupControllerOptions): Controller<BackupLike> {
  const now = opts.now ?? (() => new Date());
  const log = opts.log.child({ controller: 'backup' });
  const running = new Map<string, Promise<void>>();
  let controller: Controller<BackupLike>;

  const queued = (): BackupLike[] =>
    controller.informer.cache
      .list()
      .filter((b) => phaseOf(b) === 'Queued' && !running.has(key(b)))
      .sort((a, b) => (a.status?.queuePosition as number ?? 0) - (b.status?.queuePosition as number ?? 0) || (a.metadata.creationTimestamp ?? '').localeCompare(b.metadata.creationTimestamp ?? ''));

  const patch = (b: BackupLike, body: Record<string, unknown>): Promise<unknown> =>
    opts.client.patch(VeleroResources.backups, b.metadata.name!, 'merge', body, { namespace: b.metadata.namespace });

  /** New backups join the queue at the end; positions are 1-based, as Velero shows them. */
  async function enqueue(b: BackupLike): Promise<void> {
    const last = Math.max(0, ...queued().map((q) => Number(q.status?.queuePosition ?? 0)));
    await patch(b, { status: { phase: 'Queued', queuePosition: last + 1 } });
  }

  function start(b: BackupLike): void {
    const k = key(b);
    const run = executeBackup(b, {
      client: opts.client,
      stores: opts.stores,
      locations: () => listLocations(opts.client, opts.namespace),
      defaults: opts.defaults,
      pageSize: opts.pageSize,
      listConcurrency: opts.listConcurrency,
      log,
      now,
    })
      .catch((err: unknown) => log.error(`backup ${k} could not be processed: ${(err as Error).message}`))
      .finally(() => {
        running.delete(k);
        // A slot is free: the next queued backups get their turn, and positions are renumbered.
        for (const q of queued()) controller.queue.add(key(q));
      });
    running.set(k, run);
  }

  controller = new Controller<BackupLike>({
    name: 'backup',
    client: opts.client,
    resource: VeleroResources.backups,
    namespace: opts.namespace,
    concurrency: 4,
    resyncMs: 60_000,
    onError: (k, err, retry) => log.warn(`reconciling backup ${k} failed; retrying in ${retry} ms: ${(err as Error).message}`),
    reconcile: async (b) => {
      if (!b || b.metadata.deletionTimestamp) return;
      const k = key(b);
      const phase = phaseOf(b);
      if (TERMINAL.has(phase) || running.has(k)) return;
      if (phase === 'New') {
        // A free slot and nobody waiting: start now rather than round-trip through Queued. (Checking and
        // starting happen without an await in between, so two new backups cannot both take one slot.)
        if (running.size < opts.concurrentBackups && queued().length === 0) return start(b);
        return enqueue(b);
      }
      if (phase === 'Queued') {
        const position = queued().findIndex((q) => key(q) === k) + 1;
        if (position === 1 && running.size < opts.concurrentBackups) start(b);
        else if (position > 0 && Number(b.status?.queuePosition ?? 0) !== position) await patch(b, { status: { queuePosition: position } });
        return;
      }
      if (phase === 'InProgress') return recoverInterrupted(b, opts, log, now);
      log.warn(`backup ${k} has phase ${phase}, which this server does not handle; leaving it alone`);
    },
  });
  return controller;
}

/**
 * A backup InProgress that no process of ours is running was interrupted (the server died). If it
 * had already reached object storage its final state is taken from there; otherwise it is marked
 * Failed — never Completed — and its partial files are removed.
 */
async function recoverInterrupted(b: BackupLike, opts: BackupControllerOptions, log: Logger, now: () => Date): Promise<void> {
  const k = key(b);
  const location = (await listLocations(opts.client, opts.namespace)).find((l) => l.metadata.name === b.spec?.storageLocation);
  if (location) {
    try {
      const store = await opts.stores.forLocation(location);
      const stored = (await store.backupExists(b.metadata.name!)) ? ((await store.getBackupMetadata(b.metadata.name!)) as BackupLike) : undefined;
      if (stored?.status?.phase && TERMINAL.has(stored.status.phase) && stored.metadata.uid === b.metadata.uid) {
        log.info(`backup ${k} finished before the server stopped; taking its final status from object storage`);
        await opts.client.patch(VeleroResources.backups, b.metadata.name!, 'merge', { status: stored.status }, { namespace: b.metadata.namespace });
        return;
      }
      if (!stored) await store.deleteBackup(b.metadata.name!);
    } catch (err) {
      log.warn(`could not look at object storage for interrupted backup ${k}: ${(err as Error).message}`);
    }
  }
  log.warn(`backup ${k} was InProgress when the server stopped; marking it Failed`);
  await opts.client.patch(
    VeleroResources.backups,
    b.metadata.name!,
    'merge',
    { status: { phase: 'Failed', failureReason: 'the server stopped while this backup was in progress; run it again', completionTimestamp: formatKubeTime(now()) } },
    { namespace: b.metadata.namespace },
  );
}

export async function listLocations(client: KubeClient, namespace: string): Promise<LocationLike[]> {
  return (await client.list<LocationLike>(VeleroResources.backupStorageLocations, { namespace })).items;
}

function phaseOf(b: BackupLike): string {
  return b.status?.phase || 'New';
}

function key(b: BackupLike): string {
  return `${b.metadata.namespace}/${b.metadata.name}`;
}

