/** Go duration parsing and printing, checked against what Go's time package does. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatGoDuration, parseGoDuration } from './duration.ts';

test('parseGoDuration accepts Go syntax', () => {
  const cases: [string, number][] = [
    ['5s', 5000],
    ['1m30s', 90_000],
    ['1h', 3_600_000],
    ['1.5h', 5_400_000],
    ['500ms', 500],
    ['0', 0],
    ['0s', 0],
    ['-2m', -120_000],
    ['+3s', 3000],
    ['.5s', 500],
    ['1.s', 1000],
    ['2h45m10s', 9_910_000],
    ['1000us', 1],
    ['1000µs', 1],
    ['1000μs', 1],
    ['1000000ns', 1],
    ['720h', 2_592_000_000],
  ];
  for (const [text, ms] of cases) assert.equal(parseGoDuration(text), ms, text);
});

test('parseGoDuration rejects what Go rejects', () => {
  for (const bad of ['', '5', 's', '.s', '1d', '5 s', ' 5s', '5s ', '1h 30m', '-', 'abc', '1.2.3s', '--5s', '5S']) {
    assert.throws(() => parseGoDuration(bad), { message: `invalid duration "${bad}"` }, JSON.stringify(bad));
  }
});

test('formatGoDuration matches Go Duration.String', () => {
  const cases: [number, string][] = [
    [0, '0s'],
    [5000, '5s'],
    [90_000, '1m30s'],
    [3_600_000, '1h0m0s'],
    [2_592_000_000, '720h0m0s'],
    [1500, '1.5s'],
    [500, '500ms'],
    [1.5, '1.5ms'],
    [0.001, '1µs'],
    [0.000001, '1ns'],
    [-61_000, '-1m1s'],
  ];
  for (const [ms, text] of cases) assert.equal(formatGoDuration(ms), text, String(ms));
});
