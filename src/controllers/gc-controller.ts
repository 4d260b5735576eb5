/**
 * @module controllers/gc-controller: garbage collection of expired backups, as Velero's — every Backup is
 * looked at when it appears, when its expiration changes, every `--garbage-collection-frequency`, and (unlike
 * Velero, which waits for the next period) at the very moment it expires. An expired backup gets a
 * DeleteBackupRequest unless one is already under way; when its location is missing, cannot be read or is
 * read-only, the Backup is labelled `velero.io/gc-failure` with the reason instead, and stays.
 */
import { isNotFound, type KubeClient, type KubeObject } from '../kube/index.ts';
import type { BackupLike, LocationLike } from '../backup/index.ts';
import { LABEL_BACKUP_NAME, LABEL_BACKUP_UID, LABEL_GC_FAILURE, labelSafeName, newDeleteBackupRequest, VeleroResources, type DeleteBackupRequest, type GcFailureReason } from '../api/index.ts';
import type { Logger } from '../log/index.ts';
import { Controller } from './runtime/controller.ts';

/** Backups still being written are collected once they finish (a request now would only be rejected). */
const UNFINISHED = new Set(['New', 'Queued', 'ReadyToStart', 'InProgress', 'WaitingForPluginOperations', 'WaitingForPluginOperationsPartiallyFailed', 'Finalizing', 'FinalizingPartiallyFailed']);
/** How soon a backup whose location is missing or unavailable is looked at again (Velero retries with back-off). */
const RETRY_MS = 60_000;
/** Timers further out are re-armed when they fire: setTimeout cannot wait longer than about 24.8 days. */
const MAX_TIMER_MS = 24 * 3600_000;

export interface GcControllerOptions {
  client: KubeClient;
  namespace: string;
  /** `--garbage-collection-frequency`: every backup is looked at again this often (0: only on changes and at expiry). */
  frequencyMs: number;
  log: Logger;
  now?: () => Date;
}

/** When a backup expires: `due` once its expiration has passed and it has finished; `atMs` to look again then. */
export function expiryOf(backup: BackupLike, nowMs: number): { due: boolean; atMs?: number } {
  const expiration = Date.parse(backup.status?.expiration ?? '');
  if (Number.isNaN(expiration) || backup.metadata.deletionTimestamp) return { due: false };
  if (expiration > nowMs) return { due: false, atMs: expiration };
  return { due: !UNFINISHED.has(backup.status?.phase || 'New') };
}

/** What garbage collection does with an expired backup, given its location (Velero's rules). */
export type GcDecision = { action: 'label'; reason: GcFailureReason; retry: boolean } | { action: 'retry'; why: string } | { action: 'delete' };

/** `location` is the backup's location, `'missing'` when it does not exist, `'unreadable'` when reading it failed. */
export function gcDecision(location: LocationLike | 'missing' | 'unreadable'): GcDecision {
  if (location === 'missing') return { action: 'label', reason: 'BSLNotFound', retry: true };
  if (location === 'unreadable') return { action: 'label', reason: 'BSLCannotGet', retry: true };
  if (location.spec?.accessMode === 'ReadOnly') return { action: 'label', reason: 'BSLReadOnly', retry: false };
  if (location.status?.phase !== 'Available') return { action: 'retry', why: `backup storage location "${location.metadata.name}" is ${location.status?.phase ?? 'not validated yet'}` };
  return { action: 'delete' };
}

export function gcController(opts: GcControllerOptions): Controller<BackupLike> {
  const now = opts.now ?? (() => new Date());
  const log = opts.log.child({ controller: 'gc' });
  const { client, namespace } = opts;
  const timers = new ExpiryTimers((key) => controller.queue.add(key));

  async function locationOf(b: BackupLike): Promise<LocationLike | 'missing' | 'unreadable'> {
    const name = b.spec?.storageLocation;
    if (!name) return 'missing';
    try {
      return (await client.getIfExists<LocationLike>(VeleroResources.backupStorageLocations, name, { namespace })) ?? 'missing';
    } catch (err) {
      log.warn(`backup ${b.metadata.name}: cannot read backup storage location "${name}": ${(err as Error).message}`);
      return 'unreadable';
    }
  }

  const setFailure = async (b: BackupLike, reason: GcFailureReason | null): Promise<void> => {
    if ((b.metadata.labels?.[LABEL_GC_FAILURE] ?? null) === reason) return;
    await client.patch(VeleroResources.backups, b.metadata.name!, 'merge', { metadata: { labels: { [LABEL_GC_FAILURE]: reason } } } as unknown as KubeObject, { namespace }).catch((err: unknown) => {
      if (!isNotFound(err)) throw err;
    });
  };

  /** Velero's rule: no new request while one for this backup (name and uid) is New or InProgress. */
  async function requestDeletion(b: BackupLike): Promise<void> {
    const name = b.metadata.name!;
    const labelSelector = `${LABEL_BACKUP_NAME}=${labelSafeName(name)},${LABEL_BACKUP_UID}=${b.metadata.uid}`;
    const existing = (await client.list<DeleteBackupRequest>(VeleroResources.deleteBackupRequests, { namespace, labelSelector })).items;
    if (existing.some((d) => (d.status?.phase || 'New') !== 'Processed')) return;
    // The cache may still hold a backup a request has just deleted (the Backup goes before its request is
    // Processed): only one that still exists, the same one, gets a new request.
    const fresh = await client.getIfExists<BackupLike>(VeleroResources.backups, name, { namespace });
    if (!fresh || fresh.metadata.uid !== b.metadata.uid) return;
    await client.create(
      VeleroResources.deleteBackupRequests,
      newDeleteBackupRequest('', namespace, { backupName: name }, { generateName: `${name}-`, labels: { [LABEL_BACKUP_NAME]: labelSafeName(name), [LABEL_BACKUP_UID]: b.metadata.uid! } }),
    );
    log.info(`backup ${name} expired at ${b.status?.expiration}; its deletion was requested`);
  }

  const controller: Controller<BackupLike> = new Controller<BackupLike>({
    name: 'gc',
    client,
    resource: VeleroResources.backups,
    namespace,
    concurrency: 2,
    ...(opts.frequencyMs > 0 ? { resyncMs: opts.frequencyMs } : {}),
    // Only what can change the outcome; our own label writes are not worth a look.
    shouldEnqueue: (prev, cur) =>
      !prev ||
      prev.status?.expiration !== cur.status?.expiration ||
      prev.status?.phase !== cur.status?.phase ||
      prev.spec?.storageLocation !== cur.spec?.storageLocation ||
      prev.metadata.deletionTimestamp !== cur.metadata.deletionTimestamp,
    onError: (k, err, retry) => log.warn(`garbage collection of backup ${k} failed; retrying in ${retry} ms: ${(err as Error).message}`),
    onStop: async () => timers.clear(),
    reconcile: async (b, key) => {
      if (!b) return timers.cancel(key);
      const nowMs = now().getTime();
      const expiry = expiryOf(b, nowMs);
      if (expiry.atMs !== undefined) timers.arm(key, expiry.atMs, nowMs);
      if (!expiry.due) return;
      const decision = gcDecision(await locationOf(b));
      switch (decision.action) {
        case 'label':
          if (b.metadata.labels?.[LABEL_GC_FAILURE] !== decision.reason) {
            log.warn(`expired backup ${b.metadata.name} is not deleted: ${failureText(decision.reason, b.spec?.storageLocation)}`, { reason: decision.reason });
          }
          await setFailure(b, decision.reason);
          return decision.retry ? { requeueAfterMs: retryMs(opts.frequencyMs) } : undefined;
        case 'retry':
          log.debug(`expired backup ${b.metadata.name} is not deleted yet: ${decision.why}`);
          return { requeueAfterMs: retryMs(opts.frequencyMs) };
        case 'delete':
          await setFailure(b, null);
          await requestDeletion(b);
          return;
      }
    },
  });
  return controller;
}

function failureText(reason: GcFailureReason, location: string | undefined): string {
  const l = `backup storage location "${location ?? ''}"`;
  if (reason === 'BSLReadOnly') return `${l} is read-only (set its accessMode to ReadWrite to let expired backups be deleted)`;
  if (reason === 'BSLNotFound') return `${l} does not exist`;
  return `${l} cannot be read`;
}

function retryMs(frequencyMs: number): number {
  return frequencyMs > 0 ? Math.min(frequencyMs, RETRY_MS) : RETRY_MS;
}

/** One timer per backup, at its expiration: the earliest wins, and a changed expiration re-arms it. */
class ExpiryTimers {
  readonly #timers = new Map<string, { at: number; timer: NodeJS.Timeout }>();
  readonly #fire: (key: string) => void;

  constructor(fire: (key: string) => void) {
    this.#fire = fire;
  }

  arm(key: string, atMs: number, nowMs: number): void {
    const current = this.#timers.get(key);
    if (current && current.at <= atMs) return;
    if (current) clearTimeout(current.timer);
    // A little past the instant, so the reconcile it triggers sees the backup expired.
    const timer = setTimeout(() => {
      this.#timers.delete(key);
      this.#fire(key);
    }, Math.min(atMs - nowMs + 50, MAX_TIMER_MS));
    timer.unref();
    this.#timers.set(key, { at: atMs, timer });
  }

  cancel(key: string): void {
    const current = this.#timers.get(key);
    if (current) clearTimeout(current.timer);
    this.#timers.delete(key);
  }

  clear(): void {
    for (const key of [...this.#timers.keys()]) this.cancel(key);
  }
}
