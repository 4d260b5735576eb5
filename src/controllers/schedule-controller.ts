/**
 * @module controllers/schedule-controller: turns Schedules into Backups as Velero's schedule controller does,
 * with Skiff's differences (docs/adr/0010-schedules.md): each schedule wakes exactly at its next tick, a tick
 * missed while the server was down runs once, a backup still Queued counts as running, and a backup is named
 * after its tick so a retry after a crash finds it instead of making a second.
 */
import {
  formatKubeTime,
  LABEL_SCHEDULE_NAME,
  labelSafeName,
  VeleroResources,
  type Backup,
  type Schedule,
} from '../api/index.ts';
import { Informer, isAlreadyExists, type KubeClient } from '../kube/index.ts';
import type { Logger } from '../log/index.ts';
import { backupFromSchedule, checkSchedule, nextRun, timestampedName } from '../schedule/index.ts';
import { Controller, type ControllerOptions } from './runtime/controller.ts';

export interface ScheduleControllerOptions {
  client: KubeClient;
  namespace: string;
  /** `--schedule-skip-immediately`: what a schedule whose `spec.skipImmediately` is unset does. */
  skipImmediately: boolean;
  log: Logger;
  now?: () => Date;
}

/** Phases in which a backup has not finished collecting yet: the schedule waits for it (Queued too, unlike Velero). */
const RUNNING_PHASES = new Set(['', 'New', 'Queued', 'ReadyToStart', 'InProgress']);
/** Timers longer than this are re-armed when they fire (setTimeout cannot wait a month; clocks can jump). */
const MAX_WAIT_MS = 3_600_000;
/** How long a backup we created but the informer has not shown yet still counts as running. */
const UNSEEN_GRACE_MS = 60_000;
const BY_SCHEDULE = 'schedule';

/** A merge patch for a Schedule (no status subresource: one patch carries spec and status together). */
export interface SchedulePatch {
  spec?: { skipImmediately: false };
  status?: Record<string, unknown>;
}

/** What one look at a schedule decides; the controller carries it out. */
export interface SchedulePlan {
  /** Written first: phase, validation errors, a skip. */
  patch?: SchedulePatch;
  /** The tick a backup is due for now. */
  due?: Date;
  /** The next tick, when none is due yet. */
  wakeAt?: Date;
}

function sameList(a: readonly string[] | null | undefined, b: readonly string[]): boolean {
  return (a ?? []).length === b.length && b.every((e, i) => a?.[i] === e);
}

/**
 * Decides, without side effects: paused or deleted schedules are left alone (status untouched, as Velero);
 * invalid ones become FailedValidation with every problem; valid ones become Enabled, take a pending skip
 * (`lastSkipped = now`, `skipImmediately` reset to false), and are due once now reaches the next tick.
 */
export function planSchedule(schedule: Schedule, now: Date, skipByDefault: boolean): SchedulePlan {
  if (schedule.spec?.paused === true || schedule.metadata.deletionTimestamp) return {};
  const status = schedule.status ?? {};
  const { cron, errors } = checkSchedule(schedule);
  if (cron === undefined || errors.length > 0) {
    if (status.phase === 'FailedValidation' && sameList(status.validationErrors, errors)) return {};
    return { patch: { status: { phase: 'FailedValidation', validationErrors: errors } } };
  }
  const statusPatch: Record<string, unknown> = {};
  const patch: SchedulePatch = {};
  if (status.phase !== 'Enabled') statusPatch['phase'] = 'Enabled';
  if ((status.validationErrors ?? []).length > 0) statusPatch['validationErrors'] = null;
  if (schedule.spec?.skipImmediately ?? skipByDefault) {
    statusPatch['lastSkipped'] = formatKubeTime(now);
    patch.spec = { skipImmediately: false };
  }
  if (Object.keys(statusPatch).length > 0) patch.status = statusPatch;
  const next = nextRun({ ...schedule, status: { ...status, ...statusPatch } as Schedule['status'] }, cron);
  const result: SchedulePlan = patch.spec || patch.status ? { patch } : {};
  if (next === undefined) return result;
  return now.getTime() >= next.getTime() ? { ...result, due: next } : { ...result, wakeAt: next };
}

/** The schedule's name as its backups' label carries it. */
function labelOf(schedule: Schedule): string {
  return labelSafeName(schedule.metadata.name ?? '');
}

function keyOf(obj: { metadata: { namespace?: string; name?: string } }): string {
  return `${obj.metadata.namespace}/${obj.metadata.name}`;
}

/** The schedule controller also watches the schedules' backups; they are in sync before the first reconcile. */
class ScheduleController extends Controller<Schedule> {
  readonly #backups: Informer<Backup>;

  constructor(opts: ControllerOptions<Schedule>, backups: Informer<Backup>) {
    super(opts);
    this.#backups = backups;
  }

  override async start(signal?: AbortSignal): Promise<void> {
    this.#backups.start();
    await this.#backups.waitForSync(signal);
    await super.start(signal);
  }
}

export function scheduleController(opts: ScheduleControllerOptions): Controller<Schedule> {
  const now = opts.now ?? (() => new Date());
  const log = opts.log.child({ controller: 'schedule' });
  const timers = new Map<string, NodeJS.Timeout>();
  /** Backups created by us that the informer has not shown yet: name → [schedule label, created at]. */
  const unseen = new Map<string, [string, number]>();
  const backups = new Informer<Backup>({ client: opts.client, resource: VeleroResources.backups, namespace: opts.namespace, labelSelector: LABEL_SCHEDULE_NAME });
  backups.cache.addIndex(BY_SCHEDULE, (b) => {
    const label = b.metadata.labels?.[LABEL_SCHEDULE_NAME];
    return label === undefined ? [] : [label];
  });
  let controller: ScheduleController;

  const arm = (key: string, at: Date | undefined): void => {
    clearTimeout(timers.get(key));
    timers.delete(key);
    if (at === undefined) return;
    const wait = Math.min(Math.max(0, at.getTime() - now().getTime()), MAX_WAIT_MS);
    const timer = setTimeout(() => {
      timers.delete(key);
      controller.queue.add(key);
    }, wait);
    timer.unref();
    timers.set(key, timer);
  };

  /** A backup of a schedule finished or went away: the schedule may have been waiting for it. */
  const backupSettled = (b: Backup): void => {
    unseen.delete(b.metadata.name ?? '');
    const label = b.metadata.labels?.[LABEL_SCHEDULE_NAME];
    for (const s of controller.informer.cache.list()) if (labelOf(s) === label) controller.queue.add(keyOf(s));
  };
  backups.on({
    onAdd: (b) => void unseen.delete(b.metadata.name ?? ''),
    onUpdate: (prev, cur) => RUNNING_PHASES.has(prev.status?.phase ?? '') && !RUNNING_PHASES.has(cur.status?.phase ?? '') && backupSettled(cur),
    onDelete: backupSettled,
  });

  const running = (schedule: Schedule): boolean => {
    const label = labelOf(schedule);
    const t = now().getTime();
    for (const [name, [owner, at]] of unseen) {
      if (t - at > UNSEEN_GRACE_MS) unseen.delete(name);
      else if (owner === label) return true;
    }
    return backups.cache.byIndex(BY_SCHEDULE, label).some((b) => RUNNING_PHASES.has(b.status?.phase ?? '') && !b.metadata.deletionTimestamp);
  };

  const patch = (s: Schedule, body: SchedulePatch): Promise<Schedule> =>
    opts.client.patch<Schedule>(VeleroResources.schedules, s.metadata.name ?? '', 'merge', body, { namespace: s.metadata.namespace });

  /**
   * Creates the backup of a due tick, named (as Velero names it) after the moment it is made. A backup of
   * the schedule created at or after the tick means the run already happened — the server stopped before it
   * recorded `lastBackup` — and is recorded instead of making a second one.
   */
  async function run(s: Schedule, tick: Date): Promise<Schedule> {
    const made = backups.cache
      .byIndex(BY_SCHEDULE, labelOf(s))
      .map((b) => Date.parse(b.metadata.creationTimestamp ?? ''))
      .filter((t) => t >= Math.floor(tick.getTime() / 1000) * 1000)
      .sort((a, b) => b - a)[0];
    if (made !== undefined) {
      log.info(`schedule ${keyOf(s)}: a backup for the tick of ${tick.toISOString()} already exists; recording the run`);
      return patch(s, { status: { lastBackup: formatKubeTime(new Date(made)) } });
    }
    const at = now();
    const name = timestampedName(s.metadata.name ?? '', at);
    const backup = backupFromSchedule(s, name);
    unseen.set(name, [labelOf(s), at.getTime()]);
    try {
      await opts.client.createOnly(VeleroResources.backups, backup);
      log.info(`schedule ${keyOf(s)}: created backup ${name}`);
    } catch (err) {
      // Either way the informer already knows this backup, or never will.
      unseen.delete(name);
      if (!isAlreadyExists(err)) throw err;
      log.info(`schedule ${keyOf(s)}: backup ${name} already exists; recording the run`);
    }
    return patch(s, { status: { lastBackup: formatKubeTime(at) } });
  }

  async function reconcile(cached: Schedule | undefined, key: string): Promise<void> {
    if (cached === undefined) return arm(key, undefined);
    let s = cached;
    const plan = planSchedule(s, now(), opts.skipImmediately);
    if (plan.patch) {
      s = await patch(s, plan.patch);
      const { phase, validationErrors, lastSkipped } = plan.patch.status ?? {};
      if (phase) log.info(`schedule ${key} is ${String(phase)}`, validationErrors ? { errors: String(validationErrors) } : undefined);
      if (lastSkipped) log.info(`schedule ${key}: skipping the run that was due, as skipImmediately asks`);
    }
    if (plan.due === undefined) return arm(key, plan.wakeAt);
    arm(key, undefined);
    if (running(s)) {
      // The backup's informer wakes us when it finishes.
      log.debug(`schedule ${key} is due but a backup of it is still running; waiting for that one`);
      return;
    }
    s = await run(s, plan.due);
    // The following tick; already past (a one-second schedule after a slow API call) fires at once.
    const following = planSchedule(s, now(), false);
    arm(key, following.wakeAt ?? following.due);
  }

  controller = new ScheduleController(
    {
      name: 'schedule',
      client: opts.client,
      resource: VeleroResources.schedules,
      namespace: opts.namespace,
      concurrency: 2,
      // A safety net only (clock jumps, lost timers): ticks are met by each schedule's own timer.
      resyncMs: 60_000,
      reconcile: (s, key) => reconcile(s, key),
      onError: (k, err, retry) => log.warn(`reconciling schedule ${k} failed; retrying in ${retry} ms: ${(err as Error).message}`),
      onStop: async () => {
        for (const t of timers.values()) clearTimeout(t);
        timers.clear();
        await backups.stop();
      },
    },
    backups,
  );
  return controller;
}
