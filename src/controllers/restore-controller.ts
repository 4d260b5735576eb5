/**
 * @module controllers/restore-controller: takes New restores through InProgress to Completed,
 * PartiallyFailed, Failed or FailedValidation, one (or `concurrentRestores`) at a time. A restore left
 * InProgress by a server that stopped is run again from the start — restoring is idempotent, since an
 * object that exists is not created twice — instead of being failed as Velero does. Every Restore carries
 * Velero's finalizer; deleting one removes its files under `restores/<name>/` first.
 */
import { isNotFound, type KubeObject } from '../kube/index.ts';
import type { BackupLike, LocationLike } from '../backup/index.ts';
import { restoreTargets, targetsOverlap, type RestoreLike } from '../restore/index.ts';
import { FINALIZER_RESTORE_EXTERNAL_RESOURCES, formatKubeTime, VeleroResources } from '../api/index.ts';
import { Controller } from './runtime/controller.ts';
import { executeRestore, type RestoreExecutionDeps } from './restore-execution.ts';

const TERMINAL = new Set(['Completed', 'PartiallyFailed', 'Failed', 'FailedValidation']);
/** Runs of one restore after which an interrupted restore is failed rather than resumed again. */
const MAX_ATTEMPTS = 3;
const ATTEMPTS_ANNOTATION = 'skiff.io/restore-attempts';

/** What each execution needs (less its clock and signal), and how many restores run at once. */
export interface RestoreControllerOptions extends Omit<RestoreExecutionDeps, 'now' | 'signal'> {
  concurrentRestores: number;
  now?: () => Date;
}

export function restoreController(opts: RestoreControllerOptions): Controller<RestoreLike> {
  const now = opts.now ?? (() => new Date());
  const log = opts.log.child({ controller: 'restore' });
  const running = new Map<string, { done: Promise<void>; abort: AbortController; restore: RestoreLike }>();
  let controller: Controller<RestoreLike>;

  const waiting = (): RestoreLike[] =>
    controller.informer.cache
      .list()
      .filter((r) => !r.metadata.deletionTimestamp && !TERMINAL.has(r.status?.phase ?? '') && !running.has(key(r)))
      .sort((a, b) => (a.metadata.creationTimestamp ?? '').localeCompare(b.metadata.creationTimestamp ?? '') || key(a).localeCompare(key(b)));

  /** Takes a slot at once (no await before it), then runs the restore in the background. */
  function start(cached: RestoreLike): void {
    const k = key(cached);
    const abort = new AbortController();
    const done = run(cached, abort.signal)
      .catch((err: unknown) => {
        if (!abort.signal.aborted) log.error(`restore ${k} could not be processed: ${(err as Error).message}`);
      })
      .finally(() => {
        running.delete(k);
        for (const w of waiting()) controller.queue.add(key(w));
      });
    running.set(k, { done, abort, restore: cached });
  }

  async function run(cached: RestoreLike, signal: AbortSignal): Promise<void> {
    const k = key(cached);
    // The cache can lag behind our own last write (a restore that just finished still looks InProgress).
    const r = await opts.client.getIfExists<RestoreLike>(VeleroResources.restores, cached.metadata.name!, { namespace: cached.metadata.namespace });
    if (!r || r.metadata.deletionTimestamp || TERMINAL.has(r.status?.phase ?? '')) return;
    // A restore found InProgress was interrupted: this is at least its second attempt. Only resumed restores
    // carry the count, so a plain restore's object stays as the user wrote it.
    const resuming = r.status?.phase === 'InProgress';
    const attempts = resuming ? Number(r.metadata.annotations?.[ATTEMPTS_ANNOTATION] ?? '1') + 1 : 1;
    if (attempts > MAX_ATTEMPTS) {
      log.warn(`restore ${k} was interrupted ${MAX_ATTEMPTS} times; marking it Failed`);
      await opts.client.patch(VeleroResources.restores, r.metadata.name!, 'merge', { status: { phase: 'Failed', failureReason: `the server stopped during this restore ${MAX_ATTEMPTS} times`, completionTimestamp: formatKubeTime(now()) } }, { namespace: r.metadata.namespace });
      return;
    }
    // Counted before the run starts, so a restore that kills the server cannot loop forever.
    const counted = resuming
      ? await opts.client.patch<RestoreLike>(VeleroResources.restores, r.metadata.name!, 'merge', { metadata: { annotations: { [ATTEMPTS_ANNOTATION]: String(attempts) } } }, { namespace: r.metadata.namespace })
      : r;
    await executeRestore(counted, { ...opts, log, now, signal });
  }

  controller = new Controller<RestoreLike>({
    name: 'restore',
    client: opts.client,
    resource: VeleroResources.restores,
    namespace: opts.namespace,
    concurrency: 4,
    resyncMs: 60_000,
    onError: (k, err, retry) => log.warn(`reconciling restore ${k} failed; retrying in ${retry} ms: ${(err as Error).message}`),
    onStop: async () => {
      for (const r of running.values()) r.abort.abort(new Error('the server is stopping'));
      await Promise.all([...running.values()].map((r) => r.done));
    },
    reconcile: async (r) => {
      if (!r) return;
      const k = key(r);
      if (r.metadata.deletionTimestamp) return finalize(r);
      if (!(r.metadata.finalizers ?? []).includes(FINALIZER_RESTORE_EXTERNAL_RESOURCES)) {
        await opts.client.patch(VeleroResources.restores, r.metadata.name!, 'merge', { metadata: { finalizers: [...(r.metadata.finalizers ?? []), FINALIZER_RESTORE_EXTERNAL_RESOURCES] } }, { namespace: r.metadata.namespace });
        return;
      }
      const phase = r.status?.phase || 'New';
      if (TERMINAL.has(phase) || running.has(k)) return;
      if (phase !== 'New' && phase !== 'InProgress') {
        log.warn(`restore ${k} has phase ${phase}, which this server does not handle; leaving it alone`);
        return;
      }
      // Starting happens without an await after the check, so two cannot take one slot.
      if (mayStart(r)) start(r);
    },
  });

  /**
   * Oldest first, several at once up to the limit, never two into the same namespaces: a restore may start
   * when a slot is free, it overlaps no running restore, and every older waiting restore is itself blocked
   * by a running one and does not overlap it (so a younger restore never overtakes an older one it would
   * collide with, and with one slot the order is strictly oldest first).
   */
  function mayStart(r: RestoreLike): boolean {
    if (running.size >= opts.concurrentRestores) return false;
    const mine = restoreTargets(r.spec);
    const active = [...running.values()].map((x) => restoreTargets(x.restore.spec));
    if (active.some((t) => targetsOverlap(t, mine))) return false;
    for (const older of waiting()) {
      if (key(older) === key(r)) return true;
      const theirs = restoreTargets(older.spec);
      if (targetsOverlap(theirs, mine) || !active.some((t) => targetsOverlap(t, theirs))) return false;
    }
    return true;
  }

  /** Deleting a Restore: stop it if it runs, remove its files, then let it go. */
  async function finalize(r: RestoreLike): Promise<void> {
    const finalizers = r.metadata.finalizers ?? [];
    if (!finalizers.includes(FINALIZER_RESTORE_EXTERNAL_RESOURCES)) return;
    const run = running.get(key(r));
    if (run) {
      run.abort.abort(new Error('the restore is being deleted'));
      await run.done;
    }
    await deleteRestoreFiles(r);
    try {
      await opts.client.patch(
        VeleroResources.restores,
        r.metadata.name!,
        'json',
        [
          { op: 'test', path: '/metadata/finalizers', value: finalizers },
          { op: 'replace', path: '/metadata/finalizers', value: finalizers.filter((f) => f !== FINALIZER_RESTORE_EXTERNAL_RESOURCES) },
        ] as unknown as KubeObject,
        { namespace: r.metadata.namespace },
      );
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }

  /** Velero skips the files when the backup is gone (its location is then unknown) and retries while the location is unavailable. */
  async function deleteRestoreFiles(r: RestoreLike): Promise<void> {
    const backupName = r.spec?.backupName;
    const backup = backupName ? await opts.client.getIfExists<BackupLike>(VeleroResources.backups, backupName, { namespace: opts.namespace }) : undefined;
    if (!backup) {
      log.info(`restore ${key(r)} is deleted; its backup is gone, so its files are left in object storage`);
      return;
    }
    const location = await opts.client.getIfExists<LocationLike>(VeleroResources.backupStorageLocations, backup.spec?.storageLocation ?? '', { namespace: opts.namespace });
    if (!location) {
      log.info(`restore ${key(r)} is deleted; the location of its backup is gone, so its files are left in object storage`);
      return;
    }
    if (location.status?.phase !== 'Available') throw new Error(`backup storage location ${location.metadata.name} is ${location.status?.phase ?? 'not validated yet'}: the files of restore ${r.metadata.name} cannot be deleted yet`);
    const store = await opts.stores.forLocation(location);
    await store.deleteRestore(r.metadata.name!);
    log.info(`restore ${key(r)} deleted with its files`);
  }

  return controller;
}

function key(r: KubeObject): string {
  return `${r.metadata.namespace}/${r.metadata.name}`;
}
