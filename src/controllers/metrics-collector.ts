/**
 * @module controllers/metrics-collector: Velero's server metrics, derived from what the other controllers
 * write rather than called from inside them. It watches Backups, Restores, DeleteBackupRequests, backup
 * storage locations and Schedules, and counts phase TRANSITIONS seen in updates (a backup that becomes
 * InProgress is an attempt; one that reaches Completed a success, …). Objects of the initial list are never
 * counted — a restarted server does not count old backups again — but they seed the "last backup" gauges.
 * Counts of objects and location states are read from the caches at scrape time.
 */
import { Informer, objectKey, type KubeClient, type KubeObject, type ResourceRef } from '../kube/index.ts';
import { LABEL_BACKUP_UID, LABEL_SCHEDULE_NAME, VeleroResources, type Backup, type BackupStorageLocation, type DeleteBackupRequest, type Restore, type Schedule } from '../api/index.ts';
import type { ServerMetrics } from '../metrics/index.ts';
import { expectedIntervalMs, parseCron } from '../schedule/index.ts';
import type { Logger } from '../log/index.ts';

export type Outcome = 'success' | 'partialFailure' | 'failure' | 'validationFailure';

/** What one observed change of phase means for the counters. */
export interface PhaseChange {
  attempt: boolean;
  outcome?: Outcome;
}

const NONE: PhaseChange = { attempt: false };
/** Backup phases before the backup runs. */
const BACKUP_PENDING = new Set(['New', 'Queued', 'ReadyToStart']);
/** Backup and restore phases while the work runs. */
const RUNNING = new Set(['InProgress', 'WaitingForPluginOperations', 'WaitingForPluginOperationsPartiallyFailed', 'Finalizing', 'FinalizingPartiallyFailed']);
const RESULTS: ReadonlyMap<string, Outcome> = new Map([['Completed', 'success'], ['PartiallyFailed', 'partialFailure'], ['Failed', 'failure']]);

const phase = (p: string | undefined | null): string => p || 'New';

/**
 * A backup moving from `prev` to `cur` (undefined `prev`: created after the initial list). An attempt is
 * counted when it leaves the pending phases to run (validation failures are not attempts, as in Velero);
 * an outcome when it reaches a final phase from a pending or running one. A backup that appears already
 * finished (backup sync bringing one in from the bucket) counts nothing.
 */
export function backupPhaseChange(prev: string | undefined | null, cur: string | undefined | null, created = false): PhaseChange {
  const from = created ? 'New' : phase(prev);
  const to = phase(cur);
  if (from === to) return NONE;
  if (created) return { attempt: RUNNING.has(to) };
  const live = BACKUP_PENDING.has(from) || RUNNING.has(from);
  if (to === 'FailedValidation') return BACKUP_PENDING.has(from) ? { attempt: false, outcome: 'validationFailure' } : NONE;
  const attempt = BACKUP_PENDING.has(from) && (RUNNING.has(to) || RESULTS.has(to));
  const outcome = live ? RESULTS.get(to) : undefined;
  return outcome ? { attempt, outcome } : { attempt };
}

/** A restore: every restore taken up is an attempt, validation failures included (Velero counts them so). */
export function restorePhaseChange(prev: string | undefined | null, cur: string | undefined | null, created = false): PhaseChange {
  const from = created ? 'New' : phase(prev);
  const to = phase(cur);
  if (from === to || (created && to !== 'InProgress')) return NONE;
  const attempt = from === 'New';
  if (to === 'FailedValidation') return { attempt, outcome: 'validationFailure' };
  const outcome = from === 'New' || RUNNING.has(from) ? RESULTS.get(to) : undefined;
  return outcome ? { attempt, outcome } : { attempt };
}

/**
 * A DeleteBackupRequest: InProgress is an attempt; Processed after it a success (no errors) or a failure.
 * A request refused outright (New → Processed, never labelled with the backup's uid) counts nothing.
 */
export function deletionChange(prev: DeleteBackupRequest | undefined, cur: DeleteBackupRequest): { attempt: boolean; outcome?: 'success' | 'failure' } {
  const from = phase(prev?.status?.phase);
  const to = phase(cur.status?.phase);
  if (from === to || from === 'Processed') return { attempt: false };
  if (to === 'InProgress') return { attempt: true };
  if (to !== 'Processed') return { attempt: false };
  const ran = from === 'InProgress' || cur.metadata.labels?.[LABEL_BACKUP_UID] !== undefined;
  if (!ran) return { attempt: false };
  return { attempt: from !== 'InProgress', outcome: (cur.status?.errors ?? []).length > 0 ? 'failure' : 'success' };
}

export interface MetricsCollectorOptions {
  client: KubeClient;
  namespace: string;
  metrics: ServerMetrics;
  log: Logger;
  now?: () => Date;
  /** The size of a finished backup's tarball in its location (one listing per finished backup), for velero_backup_tarball_size_bytes. */
  tarballSize?: (location: BackupStorageLocation, backup: string) => Promise<number | undefined>;
}

/** A unit the server starts and stops with its controllers (only the leader runs it). */
export interface MetricsCollector {
  readonly name: string;
  start(signal?: AbortSignal): Promise<void>;
  stop(): Promise<void>;
}

export function scheduleOf(obj: KubeObject): string {
  return obj.metadata.labels?.[LABEL_SCHEDULE_NAME] ?? '';
}

const seconds = (time: string | undefined | null): number | undefined => {
  const ms = Date.parse(time ?? '');
  return Number.isNaN(ms) ? undefined : ms / 1000;
};

/** Where the collector's events go: one entry per kind; `initial` marks objects of the first list. */
export interface MetricsHandlers {
  backupAdded(b: Backup, initial: boolean): void;
  backupUpdated(prev: Backup, cur: Backup): void;
  restoreAdded(r: Restore, initial: boolean): void;
  restoreUpdated(prev: Restore, cur: Restore): void;
  requestAdded(r: DeleteBackupRequest, initial: boolean): void;
  requestUpdated(prev: DeleteBackupRequest, cur: DeleteBackupRequest): void;
  requestDeleted(r: DeleteBackupRequest): void;
  scheduleSeen(s: Schedule): void;
  scheduleDeleted(s: Schedule): void;
  /** At scrape time: the object counts and location states, from the caches. */
  collect(state: { backups: number; restores: number; locations: readonly BackupStorageLocation[] }): void;
}

/**
 * The metric updates for each event, apart from any informer so tests can feed them synthetic changes.
 * `backupNamed` finds a backup in the cache (the schedule label of a deletion's backup).
 */
export function metricsHandlers(m: ServerMetrics, backupNamed: (name: string) => Backup | undefined, now: () => Date = () => new Date()): MetricsHandlers {
  // The schedule of each deletion in progress: its backup is gone by the time the outcome is known.
  const deletionSchedules = new Map<string, string>();
  // Seeding: the newest finished backup seen per schedule, so the initial list leaves the latest values.
  const seededFinished = new Map<string, number>();
  const seededSuccess = new Map<string, number>();

  const setLastBackup = (b: Backup, success: boolean, completed: number): void => {
    const schedule = scheduleOf(b);
    m.backupLastStatus.set({ schedule }, success ? 1 : 0);
    if (success) m.backupLastSuccessfulTimestamp.set({ schedule }, completed);
    const total = b.status?.progress?.totalItems;
    if (total !== undefined) m.backupItemsTotal.set({ schedule }, total);
    m.backupItemsErrors.set({ schedule }, b.status?.errors ?? 0);
  };

  const recordBackup = (b: Backup, change: PhaseChange): void => {
    const schedule = scheduleOf(b);
    if (change.attempt) m.backupAttempt.inc({ schedule });
    if (!change.outcome) return;
    if (change.outcome === 'validationFailure') {
      m.backupValidationFailure.inc({ schedule });
      m.backupLastStatus.set({ schedule }, 0);
      return;
    }
    const counter = { success: m.backupSuccess, partialFailure: m.backupPartialFailure, failure: m.backupFailure }[change.outcome];
    counter.inc({ schedule });
    const started = seconds(b.status?.startTimestamp);
    const completed = seconds(b.status?.completionTimestamp);
    // Whole seconds, as Velero observes them.
    if (started !== undefined && completed !== undefined) m.backupDuration.observe({ schedule }, Math.max(0, Math.floor(completed - started)));
    if ((b.status?.warnings ?? 0) > 0) m.backupWarning.inc({ schedule });
    setLastBackup(b, change.outcome === 'success', completed ?? now().getTime() / 1000);
  };

  /** A backup of the initial list: counts nothing, but the newest finished one per schedule sets the gauges. */
  const seedBackup = (b: Backup): void => {
    const completed = seconds(b.status?.completionTimestamp);
    const result = RESULTS.get(phase(b.status?.phase));
    if (completed === undefined || !result) return;
    const schedule = scheduleOf(b);
    if (completed >= (seededFinished.get(schedule) ?? -Infinity)) {
      seededFinished.set(schedule, completed);
      setLastBackup(b, result === 'success', completed);
    }
    if (result === 'success' && completed > (seededSuccess.get(schedule) ?? -Infinity)) {
      seededSuccess.set(schedule, completed);
      m.backupLastSuccessfulTimestamp.set({ schedule }, completed);
    }
  };

  const recordRestore = (r: Restore, change: PhaseChange): void => {
    const schedule = r.spec?.scheduleName ?? '';
    if (change.attempt) m.restoreAttempt.inc({ schedule });
    if (change.outcome) {
      const counters = { success: m.restoreSuccess, partialFailure: m.restorePartialFailure, failure: m.restoreFailed, validationFailure: m.restoreValidationFailed };
      counters[change.outcome].inc({ schedule });
    }
  };

  const recordDeletion = (prev: DeleteBackupRequest | undefined, cur: DeleteBackupRequest): void => {
    const change = deletionChange(prev, cur);
    if (!change.attempt && !change.outcome) return;
    const key = objectKey(cur.metadata);
    const backup = backupNamed(cur.spec?.backupName ?? '');
    const schedule = deletionSchedules.get(key) ?? (backup ? scheduleOf(backup) : '');
    if (change.attempt) m.deletionAttempt.inc({ schedule });
    if (change.outcome) {
      (change.outcome === 'success' ? m.deletionSuccess : m.deletionFailure).inc({ schedule });
      deletionSchedules.delete(key);
    } else {
      deletionSchedules.set(key, schedule);
    }
  };

  const scheduleSeen = (s: Schedule): void => {
    const name = s.metadata.name ?? '';
    m.initSchedule(name);
    let interval: number | undefined;
    try {
      interval = s.spec?.paused ? undefined : expectedIntervalMs(parseCron(s.spec?.schedule ?? ''), now()) / 1000;
    } catch {
      interval = undefined; // an invalid cron: the schedule controller reports it; no interval to export
    }
    if (interval === undefined) m.scheduleExpectedInterval.remove({ schedule: name });
    else m.scheduleExpectedInterval.set({ schedule: name }, interval);
  };

  return {
    backupAdded: (b, initial) => (initial ? seedBackup(b) : recordBackup(b, backupPhaseChange(undefined, b.status?.phase, true))),
    backupUpdated: (p, b) => recordBackup(b, backupPhaseChange(p.status?.phase, b.status?.phase)),
    restoreAdded: (r, initial) => void (initial || recordRestore(r, restorePhaseChange(undefined, r.status?.phase, true))),
    restoreUpdated: (p, r) => recordRestore(r, restorePhaseChange(p.status?.phase, r.status?.phase)),
    // A request created after the initial list starts New; one that appears InProgress is a new attempt.
    requestAdded: (r, initial) => void (initial || recordDeletion(undefined, r)),
    requestUpdated: (p, r) => recordDeletion(p, r),
    requestDeleted: (r) => void deletionSchedules.delete(objectKey(r.metadata)),
    scheduleSeen,
    scheduleDeleted: (s) => m.removeSchedule(s.metadata.name ?? ''),
    collect: ({ backups, restores, locations }) => {
      m.backupTotal.set({}, backups);
      m.restoreTotal.set({}, restores);
      m.locationStatus.reset();
      for (const l of locations) {
        const p = l.status?.phase;
        if (p === 'Available' || p === 'Unavailable') m.locationStatus.set({ backup_location_name: l.metadata.name ?? '' }, p === 'Available' ? 1 : 0);
      }
    },
  };
}

/** Watches the server namespace and feeds metricsHandlers; counts and location states are read at each scrape. */
export function metricsCollector(opts: MetricsCollectorOptions): MetricsCollector {
  const log = opts.log.child({ controller: 'metrics' });
  const informer = <T extends KubeObject>(resource: ResourceRef): Informer<T> => new Informer<T>({ client: opts.client, resource, namespace: opts.namespace });
  const backups = informer<Backup>(VeleroResources.backups);
  const restores = informer<Restore>(VeleroResources.restores);
  const requests = informer<DeleteBackupRequest>(VeleroResources.deleteBackupRequests);
  const locations = informer<BackupStorageLocation>(VeleroResources.backupStorageLocations);
  const schedules = informer<Schedule>(VeleroResources.schedules);
  const all = [backups, restores, requests, locations, schedules] as unknown as Informer[];
  const h = metricsHandlers(opts.metrics, (name) => backups.cache.getByName(name, opts.namespace), opts.now);
  const onError = (what: string) => (err: unknown, retryInMs: number): void => log.warn(`watching ${what} failed; retrying in ${retryInMs} ms: ${(err as Error).message}`);
  // `synced` turns true only after the first list's adds are delivered: until then an add is "initial".
  const sizeOf = (prev: Backup, b: Backup): void => {
    const finished = (p: string | undefined): boolean => p === 'Completed' || p === 'PartiallyFailed';
    if (!opts.tarballSize || !finished(b.status?.phase) || finished(prev.status?.phase)) return;
    // The location comes from this collector's own cache: no request but the listing itself.
    const location = locations.cache.getByName(b.spec?.storageLocation ?? '', opts.namespace);
    if (!location) return;
    opts.tarballSize(location, b.metadata.name!).then(
      (size) => size !== undefined && opts.metrics.backupTarballSize.set({ schedule: scheduleOf(b) }, size),
      (err: unknown) => log.debug(`could not read the tarball size of backup ${b.metadata.name}: ${(err as Error).message}`),
    );
  };
  backups.on({ onAdd: (b) => h.backupAdded(b, !backups.synced), onUpdate: (p, b) => (h.backupUpdated(p, b), sizeOf(p, b)), onError: onError('backups') });
  restores.on({ onAdd: (r) => h.restoreAdded(r, !restores.synced), onUpdate: h.restoreUpdated, onError: onError('restores') });
  requests.on({ onAdd: (r) => h.requestAdded(r, !requests.synced), onUpdate: h.requestUpdated, onDelete: h.requestDeleted, onError: onError('delete backup requests') });
  schedules.on({ onAdd: h.scheduleSeen, onUpdate: (_p, s) => h.scheduleSeen(s), onDelete: h.scheduleDeleted, onError: onError('schedules') });
  locations.on({ onError: onError('backup storage locations') });
  let unhook: (() => void) | undefined;
  return {
    name: 'metrics',
    async start(signal?: AbortSignal): Promise<void> {
      for (const i of all) i.start();
      await Promise.all(all.map((i) => i.waitForSync(signal)));
      unhook = opts.metrics.registry.onCollect(() => h.collect({ backups: backups.cache.size, restores: restores.cache.size, locations: locations.cache.list() }));
      log.debug('metrics collector is running');
    },
    async stop(): Promise<void> {
      unhook?.();
      await Promise.all(all.map((i) => i.stop()));
    },
  };
}
