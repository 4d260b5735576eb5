/**
 * @module controllers/restore-execution: one restore from validation to its final phase. Validation
 * failures end in FailedValidation naming the field; an archive that cannot be read, or is refused as
 * hostile, ends in Failed before anything was created; otherwise the log, results, resource list, item
 * operations and volume info are written under `restores/<name>/` and the phase is Completed or
 * PartiallyFailed.
 */
import { isArchiveError } from '../archive/index.ts';
import { OperationLog, type BackupLike, type LocationLike } from '../backup/index.ts';
import { Resources, validLabelValue, type KubeClient } from '../kube/index.ts';
import { prepareRestore, parseVersionPriorities, runRestore, type Priorities, type RestoreLike, type RestoreOutcome, type VolumeInfoLike } from '../restore/index.ts';
import type { BackupStore } from '../storage/index.ts';
import { formatKubeTime, LABEL_SCHEDULE_NAME, VeleroResources } from '../api/index.ts';
import type { Logger } from '../log/index.ts';
import { isAbortError } from '../util/index.ts';
import type { LocationStores } from './location-stores.ts';
import { patchStatus, throttledProgress } from './progress.ts';

export interface RestoreExecutionDeps {
  client: KubeClient;
  namespace: string;
  stores: LocationStores;
  priorities: Priorities;
  features: readonly string[];
  terminatingTimeoutMs: number;
  resourceTimeoutMs: number;
  itemOperationTimeout: string;
  pageSize: number;
  log: Logger;
  now: () => Date;
  /** Aborted when the server stops (the restore stays InProgress and resumes) or the Restore is deleted. */
  signal: AbortSignal;
}

export async function executeRestore(input: RestoreLike, deps: RestoreExecutionDeps): Promise<void> {
  const { client, log, now } = deps;
  const name = input.metadata.name!;
  await client.discovery.refresh(deps.signal);
  const prepared = await prepareRestore(input, {
    backups: await candidateBackups(client, deps.namespace, input),
    locations: (await client.list<LocationLike>(VeleroResources.backupStorageLocations, { namespace: deps.namespace })).items,
    discovery: client.discovery,
    getConfigMap: (cm) => client.getIfExists(Resources.configMaps, cm, { namespace: deps.namespace }),
    defaults: { itemOperationTimeout: deps.itemOperationTimeout },
  });
  if (!prepared.ok) {
    log.info(`restore ${name} failed validation: ${prepared.errors.join('; ')}`);
    await update(client, prepared.restore, { phase: 'FailedValidation', validationErrors: prepared.errors, completionTimestamp: formatKubeTime(now()) });
    return;
  }
  const resumed = input.status?.phase === 'InProgress';
  let restore = await update(client, prepared.restore, {
    phase: 'InProgress',
    startTimestamp: input.status?.startTimestamp ?? formatKubeTime(now()),
    validationErrors: null,
  });
  const { request } = prepared;
  log.info(`restore ${name} ${resumed ? 'resumed' : 'started'}`, { backup: request.backup.metadata.name });
  const opLog = new OperationLog({ subject: `restore=${restore.metadata.namespace}/${name}`, now, echo: (level, line) => log.enabled('debug') && log.debug(line, { level }) });
  if (resumed) opLog.info('The server stopped while this restore was in progress; it runs again from the start (objects it already created count as created)');
  let store: BackupStore | undefined;
  try {
    store = await deps.stores.forLocation(request.location);
    const backupName = request.backup.metadata.name!;
    const volumeInfo = ((await store.getBackupSidecar(backupName, 'volumeInfo')) ?? []) as VolumeInfoLike[];
    const progress = throttledProgress<{ itemsRestored: number; totalItems: number }>(client, VeleroResources.restores, restore, now);
    const outcome = await runRestore(
      {
        client,
        serverNamespace: deps.namespace,
        priorities: deps.priorities,
        features: deps.features,
        versionPriorities: await versionPriorities(client, deps),
        pageSize: deps.pageSize,
        terminatingTimeoutMs: deps.terminatingTimeoutMs,
        resourceTimeoutMs: deps.resourceTimeoutMs,
      },
      { restore, request, openArchive: () => store!.getBackupContents(backupName), volumeInfo, log: opLog, onProgress: progress.report, signal: deps.signal },
    );
    await progress.flush();
    const phase = opLog.errors > 0 ? 'PartiallyFailed' : 'Completed';
    await uploadFiles(store, name, opLog, outcome);
    restore = await update(client, restore, finalStatus(outcome, opLog, phase, now));
    log.info(`restore ${name} ${phase}`, { created: outcome.counts.created, updated: outcome.counts.updated, failed: outcome.counts.failed, warnings: opLog.warnings, errors: opLog.errors });
  } catch (err) {
    // A stopping server leaves the restore InProgress: the next server resumes it.
    if (deps.signal.aborted && isAbortError(err)) throw err;
    const reason = isArchiveError(err) ? `the backup archive was refused, nothing was restored: ${(err as Error).message}` : (err as Error).message;
    log.error(`restore ${name} failed: ${reason}`);
    if (!opLog.finished) opLog.error(`restore failed: ${reason}`);
    if (store) await store.putRestoreLog(name, await opLog.finish()).catch(() => undefined);
    await update(client, restore, { phase: 'Failed', failureReason: reason, completionTimestamp: formatKubeTime(now()), warnings: opLog.warnings, errors: opLog.errors });
  }
}

async function uploadFiles(store: BackupStore, name: string, opLog: OperationLog, outcome: RestoreOutcome): Promise<void> {
  await store.putRestoreResults(name, opLog.results());
  await store.putRestoreResourceList(name, outcome.resourceList);
  await store.putRestoreItemOperations(name, []);
  await store.putRestoreVolumeInfo(name, []);
  await store.putRestoreLog(name, await opLog.finish());
}

function finalStatus(outcome: RestoreOutcome, opLog: OperationLog, phase: string, now: () => Date): Record<string, unknown> {
  return {
    phase,
    completionTimestamp: formatKubeTime(now()),
    progress: { totalItems: outcome.itemsRestored, itemsRestored: outcome.itemsRestored },
    warnings: opLog.warnings,
    errors: opLog.errors,
    restoreItemOperationsAttempted: 0,
    restoreItemOperationsCompleted: 0,
    restoreItemOperationsFailed: 0,
    // Velero's finalizer always sets it; describe shows HooksAttempted/HooksFailed from it (exec hooks only).
    hookStatus: {},
  };
}

/** The user's version order for EnableAPIGroupVersions: ConfigMap `enableapigroupversions`, key `restoreResourcesVersionPriority`. */
async function versionPriorities(client: KubeClient, deps: RestoreExecutionDeps): Promise<Map<string, string[]> | undefined> {
  if (!deps.features.includes('EnableAPIGroupVersions')) return undefined;
  const cm = await client.getIfExists(Resources.configMaps, 'enableapigroupversions', { namespace: deps.namespace });
  const text = (cm?.data as Record<string, string> | undefined)?.restoreResourcesVersionPriority;
  return text ? parseVersionPriorities(text) : undefined;
}

/** Status updates go through the object (Velero's CRDs have no status subresource). */
/**
 * The Backups the restore may name: the one by name (a GET), or a schedule's (a LIST by its label), not every
 * Backup of the namespace. A schedule name that cannot be a label value falls back to the whole list, where
 * validation then finds none of its backups.
 */
async function candidateBackups(client: KubeClient, namespace: string, restore: RestoreLike): Promise<BackupLike[]> {
  const { backupName, scheduleName } = restore.spec ?? {};
  if (backupName && !scheduleName) {
    const one = await client.getIfExists<BackupLike>(VeleroResources.backups, backupName, { namespace });
    return one ? [one] : [];
  }
  const labelSelector = scheduleName && !backupName && validLabelValue(scheduleName) ? `${LABEL_SCHEDULE_NAME}=${scheduleName}` : undefined;
  return (await client.list<BackupLike>(VeleroResources.backups, { namespace, labelSelector })).items;
}

function update(client: KubeClient, restore: RestoreLike, status: Record<string, unknown>): Promise<RestoreLike> {
  return patchStatus(client, VeleroResources.restores, restore, status, { missingOk: true });
}
