/** @module api/time.test — metav1.Time formatting and strict parsing. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatGoDuration, formatKubeTime, isKubeTime, kubeTimeNow, parseGoDuration, parseKubeTime } from './time.ts';

test('formatKubeTime writes UTC with whole seconds, truncating', () => {
  assert.equal(formatKubeTime(new Date(Date.UTC(2025, 0, 2, 3, 4, 5, 999))), '2025-01-02T03:04:05Z');
  assert.equal(formatKubeTime(new Date('2025-06-30T23:59:59.001+02:00')), '2025-06-30T21:59:59Z');
  assert.equal(kubeTimeNow(Date.UTC(2026, 10, 21, 20, 20, 31)), '2026-11-21T20:20:31Z');
  assert.throws(() => formatKubeTime(new Date(NaN)), /invalid Date/);
  assert.throws(() => formatKubeTime(new Date(Date.UTC(10000, 0, 1))), /year 10000/);
});

test('parseKubeTime accepts RFC 3339 with Z, offsets and fractions', () => {
  assert.equal(parseKubeTime('2025-01-02T03:04:05Z').toISOString(), '2025-01-02T03:04:05.000Z');
  assert.equal(parseKubeTime('2025-01-02T05:04:05+02:00').toISOString(), '2025-01-02T03:04:05.000Z');
  assert.equal(parseKubeTime('2025-01-01T23:30:00-05:30').toISOString(), '2025-01-02T05:00:00.000Z');
  assert.equal(parseKubeTime('2025-01-02T03:04:05.123456789Z').toISOString(), '2025-01-02T03:04:05.123Z');
  assert.equal(parseKubeTime('2024-02-29T00:00:00Z').getUTCDate(), 29);
  assert.equal(parseKubeTime('0050-01-01T00:00:00Z').getUTCFullYear(), 50);
});

test('parseKubeTime rejects anything else, naming the input', () => {
  for (const bad of [
    '',
    'yesterday',
    '2025-01-02',
    '2025-01-02 03:04:05Z',
    '2025-01-02t03:04:05z',
    '2025-01-02T03:04:05',
    '2025-13-02T03:04:05Z',
    '2025-02-30T03:04:05Z',
    '2023-02-29T00:00:00Z',
    '2025-01-02T24:00:00Z',
    '2025-01-02T03:60:00Z',
    '2025-01-02T03:04:60Z',
    '2025-01-02T03:04:05+24:00',
    ' 2025-01-02T03:04:05Z',
  ]) {
    assert.throws(() => parseKubeTime(bad), (err: unknown) => {
      assert.match((err as Error).message, /^invalid time ".*": .*; want RFC 3339 like 2025-01-02T03:04:05Z$/);
      assert.ok((err as Error).message.includes(JSON.stringify(bad)), bad);
      return true;
    });
    assert.equal(isKubeTime(bad), false, bad);
  }
});

test('format and parse round-trip', () => {
  for (const ms of [0, 1, 1_735_787_045_000, 1_798_000_000_000, 253_402_300_799_000]) {
    const text = formatKubeTime(new Date(ms));
    assert.equal(parseKubeTime(text).getTime(), Math.floor(ms / 1000) * 1000);
    assert.equal(formatKubeTime(parseKubeTime(text)), text);
  }
});

test('Go durations are re-exported for API users', () => {
  assert.equal(parseGoDuration('720h'), 720 * 3_600_000);
  assert.equal(formatGoDuration(4 * 3_600_000), '4h0m0s');
});
