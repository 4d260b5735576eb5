/** @module repo/forget.test: retention plans (restic's rules: calendar buckets in UTC, ISO weeks, oldest kept, within, tags, groups). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { RepoError } from './errors.ts';
import { isoWeek, parseWithin, retentionPlan, type RetentionPolicy } from './forget.ts';
import type { Snapshot } from './types.ts';

function snap(time: string, opts: { path?: string; tags?: string[] } = {}): Snapshot {
  const id = createHash('sha256').update(`${time}${opts.path ?? ''}`).digest('hex');
  return { id, time, source: { path: opts.path ?? '/data', host: 'h' }, tags: opts.tags ?? [], tree: 'ab'.repeat(32), hostname: 'h', summary: { files: 0, dirs: 0, totalBytes: 0, bytesRead: 0, newBlobs: 0, newBytesRaw: 0, newBytesStored: 0, errorCount: 0, durationMs: 0 } };
}

const kept = (list: Snapshot[], policy: RetentionPolicy, now?: Date): string[] => retentionPlan(list, policy, now).keep.map((k) => k.snapshot.time);
const reasonsOf = (list: Snapshot[], policy: RetentionPolicy): Record<string, string[]> => Object.fromEntries(retentionPlan(list, policy).keep.map((k) => [k.snapshot.time, k.reasons]));
const isInvalid = (pattern: RegExp) => (err: unknown) => err instanceof RepoError && err.reason === 'InvalidArgument' && pattern.test(err.message);

/** One snapshot every `stepHours` from `start`, `n` of them (oldest first). */
function series(start: string, stepHours: number, n: number): Snapshot[] {
  return Array.from({ length: n }, (_, i) => snap(new Date(Date.parse(start) + i * stepHours * 3_600_000).toISOString()));
}

test('ISO weeks: the week belongs to the year of its Thursday', () => {
  const cases: Array<[string, string]> = [
    ['2020-12-31T12:00:00Z', '2020-W53'], // Thursday
    ['2021-01-03T23:59:59Z', '2020-W53'], // Sunday of the same week
    ['2021-01-04T00:00:00Z', '2021-W01'], // Monday
    ['2024-12-30T08:00:00Z', '2025-W01'], // Monday before New Year, in week 1 of 2025
    ['2016-01-01T00:00:00Z', '2015-W53'],
    ['2018-01-01T00:00:00Z', '2018-W01'],
    ['2026-06-15T10:00:00Z', '2026-W25'],
  ];
  for (const [t, want] of cases) assert.equal(isoWeek(new Date(t)), want, t);
});

test('last keeps the newest n; both lists come newest first and partition the input', () => {
  const list = series('2024-01-01T00:00:00Z', 1, 10);
  const plan = retentionPlan([...list].reverse(), { last: 3 });
  assert.deepEqual(plan.keep.map((k) => k.snapshot), [list[9], list[8], list[7]]);
  assert.deepEqual(plan.keep.map((k) => k.reasons), [['last snapshot'], ['last snapshot'], ['last snapshot']]);
  assert.deepEqual(plan.remove, list.slice(0, 7).reverse());
  assert.deepEqual(kept(list, { last: 20 }).length, 10, 'more than there are keeps all');
});

test('daily keeps the newest snapshot of each of the newest n days, in UTC', () => {
  const list = [
    snap('2024-03-10T08:00:00Z'),
    snap('2024-03-10T20:00:00Z'),
    snap('2024-03-10T23:30:00-02:00'), // 2024-03-11T01:30Z: the next UTC day
    snap('2024-03-11T12:00:00Z'),
    snap('2024-03-12T00:00:00Z'),
    snap('2024-03-12T23:59:59.999Z'),
  ];
  assert.deepEqual(kept(list, { daily: 2 }), ['2024-03-12T23:59:59.999Z', '2024-03-11T12:00:00Z']);
  assert.deepEqual(kept(list, { daily: 3 }), ['2024-03-12T23:59:59.999Z', '2024-03-11T12:00:00Z', '2024-03-10T20:00:00Z']);
});

test('a calendar rule with room left keeps the oldest snapshot too', () => {
  const list = [snap('2024-03-10T08:00:00Z'), snap('2024-03-10T20:00:00Z'), snap('2024-03-11T12:00:00Z')];
  const r = reasonsOf(list, { daily: 5 });
  assert.deepEqual(r, { '2024-03-11T12:00:00Z': ['daily snapshot'], '2024-03-10T20:00:00Z': ['daily snapshot'], '2024-03-10T08:00:00Z': ['oldest daily snapshot'] });
  assert.deepEqual(kept(list, { daily: 2 }), ['2024-03-11T12:00:00Z', '2024-03-10T20:00:00Z'], 'no room left: the oldest goes');
  assert.deepEqual(kept(list, { last: 2 }), ['2024-03-11T12:00:00Z', '2024-03-10T20:00:00Z'], 'last has no oldest rule');
});

test('hourly, weekly, monthly and yearly buckets', () => {
  const hourly = series('2024-05-01T00:00:00Z', 0.25, 12); // every 15 min for 3 h
  assert.deepEqual(kept(hourly, { hourly: 2 }), ['2024-05-01T02:45:00.000Z', '2024-05-01T01:45:00.000Z']);
  const daily = series('2020-12-28T12:00:00Z', 24, 14); // Mon 2020-12-28 … Sun 2021-01-10
  assert.deepEqual(kept(daily, { weekly: 2 }), ['2021-01-10T12:00:00.000Z', '2021-01-03T12:00:00.000Z'], 'Sunday closes an ISO week across New Year');
  const monthly = [snap('2023-11-30T23:00:00Z'), snap('2023-12-01T00:00:00Z'), snap('2023-12-31T23:59:00Z'), snap('2024-01-15T00:00:00Z'), snap('2024-02-29T10:00:00Z')];
  assert.deepEqual(kept(monthly, { monthly: 3 }), ['2024-02-29T10:00:00Z', '2024-01-15T00:00:00Z', '2023-12-31T23:59:00Z']);
  assert.deepEqual(kept(monthly, { yearly: 1 }), ['2024-02-29T10:00:00Z']);
  assert.deepEqual(kept(monthly, { yearly: 2 }), ['2024-02-29T10:00:00Z', '2023-12-31T23:59:00Z']);
  assert.deepEqual(kept(monthly, { yearly: -1 }), ['2024-02-29T10:00:00Z', '2023-12-31T23:59:00Z', '2023-11-30T23:00:00Z'], 'unlimited: the oldest too');
  assert.deepEqual(kept(monthly, { monthly: Infinity }), ['2024-02-29T10:00:00Z', '2024-01-15T00:00:00Z', '2023-12-31T23:59:00Z', '2023-11-30T23:00:00Z'], 'every month: the older December snapshot goes');
});

test('rules combine: a snapshot is kept when any rule keeps it, with every reason', () => {
  const list = series('2024-01-01T06:00:00Z', 12, 8); // two a day, Jan 1 … Jan 4
  const r = reasonsOf(list, { last: 1, daily: 2, weekly: 1 });
  assert.deepEqual(r, {
    '2024-01-04T18:00:00.000Z': ['last snapshot', 'daily snapshot', 'weekly snapshot'],
    '2024-01-03T18:00:00.000Z': ['daily snapshot'],
  });
});

test('within counts back from the newest snapshot of the group, or from now when given', () => {
  const list = series('2024-01-01T00:00:00Z', 24, 30);
  assert.deepEqual(kept(list, { within: '3d' }), ['2024-01-30T00:00:00.000Z', '2024-01-29T00:00:00.000Z', '2024-01-28T00:00:00.000Z']);
  assert.deepEqual(kept(list, { within: '1w' }).length, 7);
  assert.deepEqual(kept(list, { within: '36h' }).length, 2);
  assert.deepEqual(kept(list, { within: '1m' }).length, 30, 'one month back from Jan 30 is Dec 30');
  assert.deepEqual(kept(list, { within: '2d' }, new Date('2024-01-16T12:00:00Z')), ['2024-01-30T00:00:00.000Z', '2024-01-29T00:00:00.000Z', '2024-01-28T00:00:00.000Z', '2024-01-27T00:00:00.000Z', '2024-01-26T00:00:00.000Z', '2024-01-25T00:00:00.000Z', '2024-01-24T00:00:00.000Z', '2024-01-23T00:00:00.000Z', '2024-01-22T00:00:00.000Z', '2024-01-21T00:00:00.000Z', '2024-01-20T00:00:00.000Z', '2024-01-19T00:00:00.000Z', '2024-01-18T00:00:00.000Z', '2024-01-17T00:00:00.000Z', '2024-01-16T00:00:00.000Z', '2024-01-15T00:00:00.000Z']);
  assert.deepEqual(parseWithin('1y6m2w3d12h'), { years: 1, months: 6, days: 17, hours: 12 });
  for (const bad of ['', '5', '3x', 'd3', '1d1d', '0d', '1d ']) assert.throws(() => parseWithin(bad), isInvalid(/within/), bad);
});

test('tags keep every snapshot that carries one of them', () => {
  const list = [snap('2024-01-01T00:00:00Z', { tags: ['keep', 'x'] }), snap('2024-01-02T00:00:00Z', { tags: ['x'] }), snap('2024-01-03T00:00:00Z')];
  assert.deepEqual(reasonsOf(list, { tags: ['keep'] }), { '2024-01-01T00:00:00Z': ['tagged "keep"'] });
  assert.deepEqual(kept(list, { tags: ['keep'], last: 1 }), ['2024-01-03T00:00:00Z', '2024-01-01T00:00:00Z']);
});

test('each source is judged on its own unless groupBy is none', () => {
  const list = [snap('2024-01-01T00:00:00Z', { path: '/a' }), snap('2024-01-02T00:00:00Z', { path: '/a' }), snap('2024-01-01T12:00:00Z', { path: '/b' }), snap('2024-01-03T00:00:00Z', { path: '/c' })];
  assert.deepEqual(kept(list, { last: 1 }), ['2024-01-03T00:00:00Z', '2024-01-02T00:00:00Z', '2024-01-01T12:00:00Z']);
  assert.deepEqual(kept(list, { last: 1, groupBy: 'none' }), ['2024-01-03T00:00:00Z']);
  assert.deepEqual(kept([], { last: 1 }), []);
});

test('an empty or malformed policy is refused, naming the field', () => {
  const list = series('2024-01-01T00:00:00Z', 1, 3);
  assert.throws(() => retentionPlan(list, {}), isInvalid(/empty/));
  assert.throws(() => retentionPlan(list, { last: 0, daily: 0, tags: [] }), isInvalid(/empty/));
  assert.throws(() => retentionPlan(list, { daily: 2.5 }), isInvalid(/daily must be/));
  assert.throws(() => retentionPlan(list, { weekly: -2 }), isInvalid(/weekly must be/));
  assert.throws(() => retentionPlan(list, { within: 'soon' }), isInvalid(/within "soon"/));
  assert.throws(() => retentionPlan(list, { last: 1, groupBy: 'host' as 'none' }), isInvalid(/groupBy/));
  assert.throws(() => retentionPlan(list, { tags: [''] }), isInvalid(/tags/));
});
