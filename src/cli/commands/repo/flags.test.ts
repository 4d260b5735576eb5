import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Command, InvalidArgumentError } from '@commander-js/extra-typings';
import { dataSubsetArg, positiveIntArg, sourceFilterArg, tagArg, volumeSourceArg, withinArg } from './flags.ts';
import { addRetentionFlags, retentionPolicy } from './retention.ts';

const invalid = (fn: () => unknown, re: RegExp): void => assert.throws(fn, (err: unknown) => err instanceof InvalidArgumentError && re.test(err.message));

test('--source ns/pod/volume: three non-empty names', () => {
  assert.deepEqual(volumeSourceArg('ns1/web-0/data'), { namespace: 'ns1', pod: 'web-0', volume: 'data' });
  for (const bad of ['ns/pod', 'ns/pod/vol/x', 'ns//vol', '/a/b', '']) invalid(() => volumeSourceArg(bad), /NAMESPACE\/POD\/VOLUME/);
});

test('listing --source: an absolute path or ns/pod/volume', () => {
  assert.deepEqual(sourceFilterArg('/data/'), { path: '/data' });
  assert.deepEqual(sourceFilterArg('/'), { path: '/' });
  assert.deepEqual(sourceFilterArg('a/b/c'), { namespace: 'a', pod: 'b', volume: 'c' });
  invalid(() => sourceFilterArg('relative'), /absolute path/);
});

test('--tag repeats and splits on commas; empty tags refused', () => {
  assert.deepEqual(tagArg('b,c', tagArg('a', undefined)), ['a', 'b', 'c']);
  invalid(() => tagArg('a,,b', undefined), /empty/);
});

test('counts and spans', () => {
  assert.equal(positiveIntArg('7'), 7);
  for (const bad of ['0', '-1', '1.5', 'x', '']) invalid(() => positiveIntArg(bad), /at least 1/);
  for (const ok of ['7d', '2w', '1y6m', '36h', '1y2m3w4d5h']) assert.equal(withinArg(ok), ok);
  for (const bad of ['soon', '0d', '5s', '7d7d', '']) invalid(() => withinArg(bad), /duration like/);
});

test('--read-data-subset N/M or a percentage', () => {
  assert.deepEqual(dataSubsetArg('1/10'), { part: 1, of: 10 });
  assert.deepEqual(dataSubsetArg('12.5%'), { percent: 12.5 });
  for (const bad of ['0/10', '11/10', '1/0', '0%', '101%', 'half']) invalid(() => dataSubsetArg(bad), /N\/M|percentage/);
});

function parseKeep(argv: string[]): ReturnType<typeof retentionPolicy> {
  const cmd = new Command('forget').exitOverride().configureOutput({ writeErr: () => undefined });
  addRetentionFlags(cmd);
  cmd.parse(argv, { from: 'user' });
  return retentionPolicy(cmd.opts());
}

test('--keep-* flags → the retention policy; none given → undefined', () => {
  assert.equal(parseKeep([]), undefined);
  assert.deepEqual(parseKeep(['--keep-last', '3', '--keep-daily', '7', '--keep-weekly', '4', '--keep-monthly', '12', '--keep-yearly', '2', '--keep-hourly', '24']), {
    last: 3, hourly: 24, daily: 7, weekly: 4, monthly: 12, yearly: 2,
  });
  assert.deepEqual(parseKeep(['--keep-within', '1y6m', '--keep-tag', 'gold', '--keep-tag', 'silver,bronze']), { within: '1y6m', tags: ['gold', 'silver', 'bronze'] });
  assert.throws(() => parseKeep(['--keep-last', '0']), /at least 1/);
});
