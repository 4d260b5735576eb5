/**
 * @module repo/forget: which snapshots a retention policy keeps (restic's rules), and removing the others'
 * snapshot files. Their data stays until `maintainRepository` collects it.
 *
 * Rules, per group (by default each source is judged on its own), newest snapshot first: `last` keeps the
 * newest n; `hourly`…`yearly` keep the newest snapshot of each of the newest n calendar buckets that have a
 * snapshot (UTC; weeks are ISO weeks, Monday first, numbered in their ISO year); when a calendar rule still
 * has room after the oldest snapshot, that oldest one is kept too, so the history reaches back as far as
 * asked. `within` keeps everything within a duration of the group's newest snapshot; `tags` keeps every
 * snapshot carrying one of them. A snapshot is kept when any rule keeps it (its reasons say which).
 */
import { formatGoDuration, mapLimit } from '../util/index.ts';
import { RepoError } from './errors.ts';
import type { Repository } from './repository.ts';
import { pickSnapshot } from './snapshot-ops.ts';
import type { Snapshot } from './types.ts';

export interface RetentionPolicy {
  /** Counts: a non-negative integer, or -1 (or Infinity) for unlimited. */
  last?: number | undefined;
  hourly?: number | undefined;
  daily?: number | undefined;
  weekly?: number | undefined;
  monthly?: number | undefined;
  yearly?: number | undefined;
  /**
   * Keep everything this recent, counted back from the group's newest snapshot: `1y6m`, `14d`, `2w3d12h`
   * (y(ears), m(onths), w(eeks), d(ays), h(ours); calendar arithmetic in UTC), or a number of milliseconds.
   */
  within?: string | number | undefined;
  /** Snapshots with any of these tags are always kept. */
  tags?: string[] | undefined;
  /** `source` (default): each source's snapshots are judged separately; `none`: all together. */
  groupBy?: 'source' | 'none' | undefined;
}

export interface RetentionPlan {
  keep: Array<{ snapshot: Snapshot; reasons: string[] }>;
  remove: Snapshot[];
}

const BUCKETS = ['last', 'hourly', 'daily', 'weekly', 'monthly', 'yearly'] as const;
type Bucket = (typeof BUCKETS)[number];

/** Calendar key of a time in one bucket kind; `last` gives every snapshot its own key. */
function bucketKey(kind: Bucket, t: Date, position: number): string {
  const iso = t.toISOString();
  switch (kind) {
    case 'last':
      return String(position);
    case 'hourly':
      return iso.slice(0, 13);
    case 'daily':
      return iso.slice(0, 10);
    case 'weekly':
      return isoWeek(t);
    case 'monthly':
      return iso.slice(0, 7);
    case 'yearly':
      return iso.slice(0, 4);
  }
}

/** `2024-W01`: the ISO week-year and week (the week belongs to the year of its Thursday). */
export function isoWeek(t: Date): string {
  const day = Date.UTC(t.getUTCFullYear(), t.getUTCMonth(), t.getUTCDate());
  const weekday = (t.getUTCDay() + 6) % 7; // Monday 0 … Sunday 6
  const thursday = new Date(day + (3 - weekday) * 86_400_000);
  const year = thursday.getUTCFullYear();
  const week = 1 + Math.floor((thursday.getTime() - Date.UTC(year, 0, 1)) / (7 * 86_400_000));
  return `${year}-W${String(week).padStart(2, '0')}`;
}

interface Within {
  years: number;
  months: number;
  days: number;
  hours: number;
}

/** Parses `1y2m3w4d5h` (each unit at most once, in any order); the error names the field. */
export function parseWithin(text: string): Within {
  const out: Within = { years: 0, months: 0, days: 0, hours: 0 };
  const seen = new Set<string>();
  const re = /(\d+)([ymwdh])/gy;
  let m: RegExpExecArray | null;
  let at = 0;
  while ((m = re.exec(text)) !== null) {
    const [, n, unit] = m as unknown as [string, string, string];
    if (seen.has(unit)) break;
    seen.add(unit);
    const v = Number(n);
    if (unit === 'y') out.years = v;
    else if (unit === 'm') out.months = v;
    else if (unit === 'w') out.days += 7 * v;
    else if (unit === 'd') out.days += v;
    else out.hours = v;
    at = re.lastIndex;
  }
  if (text === '' || at !== text.length || out.years + out.months + out.days + out.hours === 0) {
    throw new RepoError('InvalidArgument', `retention policy: within ${JSON.stringify(text)} is not a duration like "7d", "2w", "1y6m" or "36h" (units y, m, w, d, h, each once, not all zero)`);
  }
  return out;
}

/** A `within` of the policy, parsed, with how reasons name it. */
function withinOf(v: string | number): { text: string; span: Within } {
  if (typeof v === 'string') return { text: v, span: parseWithin(v) };
  if (!Number.isFinite(v) || v <= 0) throw new RepoError('InvalidArgument', `retention policy: within must be a positive number of milliseconds or a duration like "7d", got ${String(v)}`);
  return { text: formatGoDuration(v), span: { years: 0, months: 0, days: 0, hours: v / 3_600_000 } };
}

/** `t` minus the duration, in UTC calendar arithmetic (one month before March 31 is March 3 or 2, as Date does). */
function before(t: Date, w: Within): number {
  const d = new Date(t.getTime());
  d.setUTCFullYear(d.getUTCFullYear() - w.years, d.getUTCMonth() - w.months, d.getUTCDate() - w.days);
  return d.getTime() - w.hours * 3_600_000;
}

function countOf(policy: RetentionPolicy, field: Bucket): number {
  const v = policy[field];
  if (v === undefined) return 0;
  if (v === -1 || v === Infinity) return Infinity;
  if (!Number.isSafeInteger(v) || v < 0) throw new RepoError('InvalidArgument', `retention policy: ${field} must be a non-negative integer or -1 (unlimited), got ${String(v)}`);
  return v;
}

/** Newest first; equal times by id, so the plan does not depend on listing order. */
function newestFirst(a: Snapshot, b: Snapshot): number {
  return Date.parse(b.time) - Date.parse(a.time) || (b.id ?? '').localeCompare(a.id ?? '');
}

function groupKey(s: Snapshot, groupBy: 'source' | 'none'): string {
  if (groupBy === 'none') return '';
  const { host, path, namespace, pod, volume } = s.source;
  return JSON.stringify([host ?? '', path, namespace ?? '', pod ?? '', volume ?? '']);
}

/**
 * Which snapshots `policy` keeps and which it removes (both newest first). An empty policy is refused:
 * it would remove everything. `now`, when given, replaces each group's newest snapshot as the point
 * `within` counts back from.
 */
export function retentionPlan(snapshots: Snapshot[], policy: RetentionPolicy, now?: Date): RetentionPlan {
  const counts = Object.fromEntries(BUCKETS.map((b) => [b, countOf(policy, b)])) as Record<Bucket, number>;
  const within = policy.within === undefined ? undefined : withinOf(policy.within);
  const tags = policy.tags ?? [];
  if (!Array.isArray(tags) || !tags.every((t) => typeof t === 'string' && t !== '')) throw new RepoError('InvalidArgument', 'retention policy: tags must be a list of non-empty strings');
  const groupBy = policy.groupBy ?? 'source';
  if (groupBy !== 'source' && groupBy !== 'none') throw new RepoError('InvalidArgument', `retention policy: groupBy must be "source" or "none", got ${JSON.stringify(groupBy)}`);
  if (BUCKETS.every((b) => counts[b] === 0) && within === undefined && tags.length === 0) {
    throw new RepoError('InvalidArgument', 'retention policy is empty: give at least one of last, hourly, daily, weekly, monthly, yearly, within or tags (an empty policy would remove every snapshot)');
  }
  for (const s of snapshots) if (Number.isNaN(Date.parse(s.time))) throw new RepoError('InvalidArgument', `snapshot ${s.id ?? '?'}: time ${JSON.stringify(s.time)} is not a date`);
  const groups = new Map<string, Snapshot[]>();
  for (const s of snapshots) {
    const k = groupKey(s, groupBy);
    const group = groups.get(k);
    if (group) group.push(s);
    else groups.set(k, [s]);
  }
  const reasonsOf = new Map<Snapshot, string[]>();
  for (const group of groups.values()) planGroup(group.sort(newestFirst), counts, within && { ...within, now }, tags, reasonsOf);
  const all = [...snapshots].sort(newestFirst);
  return {
    keep: all.filter((s) => reasonsOf.get(s)!.length > 0).map((snapshot) => ({ snapshot, reasons: reasonsOf.get(snapshot)! })),
    remove: all.filter((s) => reasonsOf.get(s)!.length === 0),
  };
}

function planGroup(list: Snapshot[], counts: Record<Bucket, number>, within: { text: string; span: Within; now: Date | undefined } | undefined, tags: string[], out: Map<Snapshot, string[]>): void {
  const left = { ...counts };
  const lastKey = new Map<Bucket, string>();
  const newest = list[0] ? new Date(list[0].time) : undefined;
  const cutoff = within && newest ? before(within.now ?? newest, within.span) : undefined;
  for (const [i, s] of list.entries()) {
    const t = new Date(s.time);
    const reasons: string[] = [];
    for (const tag of tags) if (s.tags.includes(tag)) reasons.push(`tagged ${JSON.stringify(tag)}`);
    if (cutoff !== undefined && t.getTime() > cutoff) reasons.push(`within ${within!.text}`);
    for (const b of BUCKETS) {
      if (left[b] <= 0) continue;
      const key = bucketKey(b, t, i);
      const oldest = i === list.length - 1 && b !== 'last';
      if (key === lastKey.get(b) && !oldest) continue;
      reasons.push(key === lastKey.get(b) ? `oldest ${b} snapshot` : b === 'last' ? 'last snapshot' : `${b} snapshot`);
      lastKey.set(b, key);
      left[b]--;
    }
    out.set(s, reasons);
  }
}

export interface ForgetOptions {
  /** Only plan: remove nothing. */
  dryRun?: boolean | undefined;
  /** Remove exactly these snapshots (full ids or unique prefixes of at least 4 characters); the policy is then not used. */
  ids?: string[] | undefined;
}

/**
 * Removes the snapshot files of the snapshots `policy` (or `opts.ids`) removes, under a shared lock
 * (maintenance, which holds an exclusive one, marks from the snapshots it listed; removing one cannot
 * make it delete something still referenced). Returns the plan.
 */
export async function forgetSnapshots(repo: Repository, policy: RetentionPolicy, opts: ForgetOptions = {}): Promise<RetentionPlan> {
  return repo.withLock('shared', 'forget', async () => {
    const list = await repo.listSnapshots();
    const plan = opts.ids?.length ? namedPlan(list, opts.ids) : retentionPlan(list, policy);
    if (!opts.dryRun) await mapLimit(plan.remove, 8, (s) => repo.removeSnapshot(s.id!));
    return plan;
  });
}

/** The named snapshots removed, every other one kept (names resolved over the one listing already read). */
function namedPlan(list: Snapshot[], ids: string[]): RetentionPlan {
  const named = new Set<Snapshot>();
  for (const ref of ids) {
    if (ref === 'latest') throw new RepoError('InvalidArgument', 'forget: name snapshots by id; "latest" is not accepted here');
    named.add(pickSnapshot(list, ref));
  }
  const all = [...list].sort(newestFirst);
  return { keep: all.filter((s) => !named.has(s)).map((snapshot) => ({ snapshot, reasons: ['not named'] })), remove: all.filter((s) => named.has(s)) };
}
