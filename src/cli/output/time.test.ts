/** @module cli/output/time.test — golden timestamps and human durations. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatTimestamp, humanDuration, humanDurationPrecise, timeFromNow } from './time.ts';

const S = 1000;
const M = 60 * S;
const H = 60 * M;
const D = 24 * H;

test('formatTimestamp is Go Time.String() in UTC, whole seconds', () => {
  assert.equal(formatTimestamp(new Date(Date.UTC(2025, 0, 2, 3, 4, 5, 999))), '2025-01-02 03:04:05 +0000 UTC');
  assert.equal(formatTimestamp('2024-12-31T23:59:59Z'), '2024-12-31 23:59:59 +0000 UTC');
  assert.equal(formatTimestamp('2025-06-01T12:00:00+02:00'), '2025-06-01 10:00:00 +0000 UTC');
  assert.equal(formatTimestamp(0), '1970-01-01 00:00:00 +0000 UTC');
  assert.equal(formatTimestamp('not a time'), '<invalid>');
});

test('humanDuration is ShortHumanDuration', () => {
  const cases: [number, string][] = [
    [-5 * S, '<invalid>'],
    [-1500, '0s'],
    [0, '0s'],
    [5 * S, '5s'],
    [59 * S + 999, '59s'],
    [60 * S, '1m'],
    [3 * M + 59 * S, '3m'],
    [59 * M, '59m'],
    [2 * H, '2h'],
    [23 * H + 59 * M, '23h'],
    [4 * D, '4d'],
    [364 * D, '364d'],
    [365 * D, '1y'],
    [2 * 365 * D + 100 * D, '2y'],
  ];
  for (const [ms, text] of cases) assert.equal(humanDuration(ms), text, String(ms));
});

test('humanDurationPrecise is HumanDuration (kubectl AGE)', () => {
  const cases: [number, string][] = [
    [-2 * S, '<invalid>'],
    [-1 * S, '0s'],
    [90 * S, '90s'],
    [119 * S, '119s'],
    [2 * M, '2m'],
    [3 * M + 20 * S, '3m20s'],
    [10 * M, '10m'],
    [179 * M, '179m'],
    [3 * H, '3h'],
    [5 * H + 10 * M, '5h10m'],
    [8 * H, '8h'],
    [47 * H, '47h'],
    [3 * D + 4 * H, '3d4h'],
    [3 * D, '3d'],
    [8 * D, '8d'],
    [729 * D, '729d'],
    [2 * 365 * D + 10 * D, '2y10d'],
    [9 * 365 * D, '9y'],
  ];
  for (const [ms, text] of cases) assert.equal(humanDurationPrecise(ms), text, String(ms));
});

test('timeFromNow: future, past, missing', () => {
  const now = new Date('2025-01-10T00:00:00Z');
  assert.equal(timeFromNow('2025-01-14T00:00:00Z', now), '4d');
  assert.equal(timeFromNow(new Date('2025-01-09T23:55:00Z'), now), '5m ago');
  assert.equal(timeFromNow(now, now), '0s');
  assert.equal(timeFromNow(undefined, now), 'n/a');
  assert.equal(timeFromNow('', now), 'n/a');
});
