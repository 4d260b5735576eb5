/**
 * @module controllers/backup-execution: one backup from validation to its final phase. The tarball
 * streams to object storage while objects are collected; the log, the results, the resource list
 * and the volume info follow; `velero-backup.json` is written last, and only then does the Backup
 * object say Completed — a failed upload can never leave a backup that looks Completed.
 */
import type { KubeClient } from '../kube/index.ts';
import { isConflict, isNotFound, Resources } from '../kube/index.ts';
import { OperationLog, prepareBackup, runBackup, type BackupLike, type BackupOutcome, type LocationLike, type ServerDefaults } from '../backup/index.ts';
import { createBackupArchive } from '../archive/index.ts';
import type { BackupStore } from '../storage/index.ts';
import { formatKubeTime, VeleroResources, type BackupPhase } from '../api/index.ts';
import type { Logger } from '../log/index.ts';
import type { LocationStores } from './location-stores.ts';
import { patchStatus, throttledProgress } from './progress.ts';

export interface ExecutionDeps {
  client: KubeClient;
  stores: LocationStores;
  locations: () => Promise<LocationLike[]>;
  defaults: Partial<ServerDefaults>;
  pageSize: number;
  listConcurrency: number;
  log: Logger;
  now: () => Date;
  /** Aborted when the server stops or loses leadership: the backup is then left InProgress for the next leader to run again. */
  signal?: AbortSignal;
}

export async function executeBackup(input: BackupLike, deps: ExecutionDeps): Promise<void> {
  const { client, log, now } = deps;
  const name = input.metadata.name!;
  const namespaces = (await client.list(Resources.namespaces)).items;
  const version = await client.serverVersion();
  await client.discovery.refresh();
  const prepared = prepareBackup(input, { locations: await deps.locations(), discovery: client.discovery, namespaces, serverVersion: version, now: now() });
  // The first write is conditional on the object as read: a backup deleted (phase Deleting) or changed since
  // is left alone here, and its update brings it back to the controller if there is still work to do.
  const first = async (status: Record<string, unknown>): Promise<BackupLike | undefined> => {
    try {
      return await update(client, { ...prepared.backup, metadata: { ...prepared.backup.metadata, resourceVersion: input.metadata.resourceVersion } }, status, true);
    } catch (err) {
      if (!isConflict(err) && !isNotFound(err)) throw err;
      log.debug(`backup ${name} changed before it started; looking at it again`);
      return undefined;
    }
  };
  if (!prepared.ok) {
    log.info(`backup ${name} failed validation: ${prepared.errors.join('; ')}`);
    await first({ phase: 'FailedValidation', validationErrors: prepared.errors, queuePosition: 0 });
    return;
  }
  const startedAt = formatKubeTime(now());
  const started = await first({ phase: 'InProgress', startTimestamp: startedAt, queuePosition: 0, validationErrors: null });
  if (!started) return;
  let backup = started;
  log.info(`backup ${name} started`, { location: prepared.request.location.metadata.name });
  const opLog = new OperationLog({ subject: `backup=${backup.metadata.namespace}/${name}`, now, echo: (level, line) => log.enabled('debug') && log.debug(line, { level }) });
  let store: BackupStore | undefined;
  let uploadStarted = false;
  try {
    store = await deps.stores.forLocation(prepared.request.location);
    if (await store.backupExists(name)) throw new Error(`a backup named ${name} already exists in object storage (location ${prepared.request.location.metadata.name})`);
    const progress = throttledProgress<{ itemsBackedUp: number; totalItems: number }>(client, VeleroResources.backups, backup, now);
    uploadStarted = true;
    const outcome = await collectAndUpload(backup, prepared.request, store, deps, opLog, progress.report);
    await progress.flush();
    const phase: BackupPhase = opLog.errors > 0 ? 'PartiallyFailed' : 'Completed';
    const final = finalStatus(backup, outcome, opLog, phase, now);
    await store.putBackupLog(name, await opLog.finish());
    await store.putBackupSidecars(name, {
      resourceList: outcome.resourceList,
      results: opLog.results(),
      volumeInfo: outcome.volumeInfo,
      podVolumeBackups: null,
      volumeSnapshots: null,
      itemOperations: [],
    });
    // A server that is stopping or lost its lease must not publish: the next leader runs the backup again.
    deps.signal?.throwIfAborted();
    // velero-backup.json last: from now on the backup exists for every reader of the bucket.
    await store.putBackupMetadata(name, { ...backup, status: final });
    backup = await update(client, backup, final);
    log.info(`backup ${name} ${phase}`, { items: outcome.itemsBackedUp, warnings: opLog.warnings, errors: opLog.errors });
  } catch (err) {
    if (deps.signal?.aborted) {
      log.warn(`backup ${name} was interrupted (${(deps.signal.reason as Error)?.message ?? 'aborted'}); it stays InProgress and the next leader runs it again`);
      return;
    }
    const reason = (err as Error).message;
    log.error(`backup ${name} failed: ${reason}`);
    if (!opLog.finished) opLog.error(`backup failed: ${reason}`);
    if (store && uploadStarted) await removePartialBackup(store, name, opLog, log);
    await update(client, backup, {
      phase: 'Failed',
      failureReason: reason,
      completionTimestamp: formatKubeTime(now()),
      warnings: opLog.warnings,
      errors: opLog.errors,
    });
  }
}

async function collectAndUpload(
  backup: BackupLike,
  request: Parameters<typeof runBackup>[1]['request'],
  store: BackupStore,
  deps: ExecutionDeps,
  log: OperationLog,
  onProgress: (p: { itemsBackedUp: number; totalItems: number }) => void,
): Promise<BackupOutcome> {
  const archive = createBackupArchive();
  const upload = store.putBackupContents(backup.metadata.name!, archive.output);
  // If the upload dies, collection must stop rather than fill memory behind a stalled stream.
  const ac = new AbortController();
  upload.catch((err: unknown) => ac.abort(err));
  const stop = (): void => ac.abort(deps.signal?.reason);
  deps.signal?.addEventListener('abort', stop, { once: true });
  try {
    const outcome = await runBackup(
      { client: deps.client, pageSize: deps.pageSize, listConcurrency: deps.listConcurrency },
      { backup, request, log, write: (item) => archive.addItem(item), onProgress, signal: ac.signal },
    );
    await archive.finish();
    await upload;
    return outcome;
  } catch (err) {
    archive.output.destroy(err as Error);
    await upload.catch(() => undefined);
    throw ac.signal.aborted && ac.signal.reason instanceof Error ? ac.signal.reason : err;
  } finally {
    deps.signal?.removeEventListener('abort', stop);
  }
}

function finalStatus(backup: BackupLike, outcome: BackupOutcome, log: OperationLog, phase: BackupPhase, now: () => Date): NonNullable<BackupLike['status']> {
  return {
    ...backup.status,
    phase,
    completionTimestamp: formatKubeTime(now()),
    progress: { totalItems: outcome.totalItems, itemsBackedUp: outcome.itemsBackedUp },
    warnings: log.warnings,
    errors: log.errors,
    hookStatus: {},
  };
}

async function removePartialBackup(store: BackupStore, name: string, opLog: OperationLog, log: Logger): Promise<void> {
  try {
    await store.deleteBackup(name);
  } catch (err) {
    log.warn(`could not remove the partial files of backup ${name}: ${(err as Error).message}`);
  }
  // The log is kept: it explains the failure to `skiff backup logs`.
  await store.putBackupLog(name, await opLog.finish()).catch(() => undefined);
}

/** Status updates go through the object (Velero's CRDs have no status subresource). */
function update(client: KubeClient, backup: BackupLike, status: Record<string, unknown>, ifUnchanged = false): Promise<BackupLike> {
  return patchStatus(client, VeleroResources.backups, backup, status, { ifUnchanged });
}
