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
  const running = new Map<string, { done: Promise<void>; abort: AbortController }>();
  let controller: Controller<BackupLike>;

  const queued = (): BackupLike[] =>
    controller.informer.cache
      .list()
      .filter((b) => phaseOf(b) === 'Queued' && !running.has(key(b)))
      .sort((a, b) => (a.status?.queuePosition as number ?? 0) - (b.status?.queuePosition as number ?? 0) || (a.metadata.creationTimestamp ?? '').localeCompare(b.metadata.creationTimestamp ?? ''));
  /** Backups a stopped server left InProgress: they go before the queue, oldest first. */
  const interrupted = (): BackupLike[] =>
    controller.informer.cache
      .list()
      .filter((b) => phaseOf(b) === 'InProgress' && !b.metadata.deletionTimestamp && !running.has(key(b)))
      .sort((a, b) => (a.status?.startTimestamp ?? '').localeCompare(b.status?.startTimestamp ?? '') || key(a).localeCompare(key(b)));

  const patch = (b: BackupLike, body: Record<string, unknown>): Promise<unknown> =>
    opts.client.patch(VeleroResources.backups, b.metadata.name!, 'merge', body, { namespace: b.metadata.namespace });

  /** New backups join the queue at the end; positions are 1-based, as Velero shows them. */
  async function enqueue(b: BackupLike): Promise<void> {
    const last = Math.max(0, ...queued().map((q) => Number(q.status?.queuePosition ?? 0)));
    await patch(b, { status: { phase: 'Queued', queuePosition: last + 1 } });
  }

  /** Takes a slot at once (no await before it), then runs in the background. */
  function start(b: BackupLike, work: (signal: AbortSignal) => Promise<void>): void {
    const k = key(b);
    const abort = new AbortController();
    const done = work(abort.signal)
      .catch((err: unknown) => log.error(`backup ${k} could not be processed: ${(err as Error).message}`))
      .finally(() => {
        running.delete(k);
        // A slot is free: the interrupted and queued backups get their turn, and positions are renumbered.
        for (const q of [...interrupted(), ...queued()]) controller.queue.add(key(q));
      });
    running.set(k, { done, abort });
  }

  const execute = (b: BackupLike) => (signal: AbortSignal): Promise<void> =>
    executeBackup(b, {
      client: opts.client,
      stores: opts.stores,
      locations: () => listLocations(opts.client, opts.namespace),
      defaults: opts.defaults,
      pageSize: opts.pageSize,
      listConcurrency: opts.listConcurrency,
      log,
      now,
      signal,
    });
  const free = (): boolean => running.size < opts.concurrentBackups;

  controller = new Controller<BackupLike>({
    name: 'backup',
    client: opts.client,
    resource: VeleroResources.backups,
    namespace: opts.namespace,
    concurrency: 4,
    resyncMs: 60_000,
    onError: (k, err, retry) => log.warn(`reconciling backup ${k} failed; retrying in ${retry} ms: ${(err as Error).message}`),
    // Running backups are aborted, not failed: they stay InProgress and the next leader runs them again.
    onStop: async () => {
      for (const r of running.values()) r.abort.abort(new Error('the server is stopping'));
      await Promise.all([...running.values()].map((r) => r.done));
    },
    reconcile: async (b) => {
      if (!b || b.metadata.deletionTimestamp) return;
      const k = key(b);
      const phase = phaseOf(b);
      if (TERMINAL.has(phase) || running.has(k)) return;
      if (phase === 'New') {
        // A free slot and nobody waiting: start now rather than round-trip through Queued. (Checking and
        // starting happen without an await in between, so two new backups cannot both take one slot.)
        if (free() && queued().length === 0 && interrupted().length === 0) return start(b, execute(b));
        return enqueue(b);
      }
      if (phase === 'Queued') {
        const position = queued().findIndex((q) => key(q) === k) + 1;
        if (position === 1 && free() && interrupted().length === 0) start(b, execute(b));
        else if (position > 0 && Number(b.status?.queuePosition ?? 0) !== position) await patch(b, { status: { queuePosition: position } });
        return;
      }
      if (phase === 'InProgress') {
        if (free() && key(interrupted()[0] ?? b) === k) start(b, (signal) => resumeInterrupted(b, opts, log, now, execute, signal));
        return;
      }
      log.warn(`backup ${k} has phase ${phase}, which this server does not handle; leaving it alone`);
    },
  });
  return controller;
}

/** Runs of one backup after which an interrupted backup is failed rather than run again. */
const MAX_ATTEMPTS = 3;
const ATTEMPTS_ANNOTATION = 'skiff.io/backup-attempts';

/**
 * A backup InProgress that no process of ours is running was interrupted (a server died, stopped or lost
 * its lease). If it had already reached object storage, its final state is taken from there. Otherwise
 * its partial files are removed and it is run again from the start — a backup is listed only once
 * `velero-backup.json` is written, so nothing partial was ever visible — up to MAX_ATTEMPTS runs; then it
 * is marked Failed, never Completed.
 */
async function resumeInterrupted(
  cached: BackupLike,
  opts: BackupControllerOptions,
  log: Logger,
  now: () => Date,
  execute: (b: BackupLike) => (signal: AbortSignal) => Promise<void>,
  signal: AbortSignal,
): Promise<void> {
  const k = key(cached);
  // The cache can lag behind our own last write (a backup that just finished still looks InProgress).
  const b = await opts.client.getIfExists<BackupLike>(VeleroResources.backups, cached.metadata.name!, { namespace: cached.metadata.namespace });
  if (!b || b.metadata.deletionTimestamp || phaseOf(b) !== 'InProgress') return;
  const location = (await listLocations(opts.client, opts.namespace)).find((l) => l.metadata.name === b.spec?.storageLocation);
  if (location) {
    try {
      const store = await opts.stores.forLocation(location);
      const stored = (await store.backupExists(b.metadata.name!)) ? ((await store.getBackupMetadata(b.metadata.name!)) as BackupLike) : undefined;
      if (stored && stored.metadata.uid === b.metadata.uid && stored.status?.phase && TERMINAL.has(stored.status.phase)) {
        log.info(`backup ${k} finished before the server stopped; taking its final status from object storage`);
        await opts.client.patch(VeleroResources.backups, b.metadata.name!, 'merge', { status: stored.status }, { namespace: b.metadata.namespace });
        return;
      }
      // Only our own partial upload is removed; a complete backup of the same name from elsewhere is left
      // alone (the run then fails, naming it).
      if (!stored) await store.deleteBackup(b.metadata.name!);
    } catch (err) {
      // The run below meets the same problem and records it on the backup.
      log.warn(`could not look at object storage for interrupted backup ${k}: ${(err as Error).message}`);
    }
  }
  const attempts = Number(b.metadata.annotations?.[ATTEMPTS_ANNOTATION] ?? '1') + 1;
  if (attempts > MAX_ATTEMPTS) {
    log.warn(`backup ${k} was interrupted ${MAX_ATTEMPTS} times; marking it Failed`);
    await opts.client.patch(
      VeleroResources.backups,
      b.metadata.name!,
      'merge',
      { status: { phase: 'Failed', failureReason: `the server stopped during this backup ${MAX_ATTEMPTS} times`, completionTimestamp: formatKubeTime(now()) } },
      { namespace: b.metadata.namespace },
    );
    return;
  }
  // Counted before the run starts, so a backup that kills the server cannot loop forever.
  const counted = await opts.client.patch<BackupLike>(VeleroResources.backups, b.metadata.name!, 'merge', { metadata: { annotations: { [ATTEMPTS_ANNOTATION]: String(attempts) } } }, { namespace: b.metadata.namespace });
  log.info(`backup ${k} was interrupted; running it again (attempt ${attempts} of ${MAX_ATTEMPTS})`);
  await execute(counted)(signal);
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

