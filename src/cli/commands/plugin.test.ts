/** @module cli/commands/plugin.test — `skiff plugin get` ordering and flags. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { run } from '../testing.ts';
import { sortPlugins } from './plugin.ts';

test('plugins sort by kind, then name', () => {
  const sorted = sortPlugins([
    { name: 'velero.io/pod', kind: 'RestoreItemAction' },
    { name: 'velero.io/aws', kind: 'ObjectStore' },
    { name: 'velero.io/pv', kind: 'BackupItemAction' },
    { name: 'velero.io/job', kind: 'RestoreItemAction' },
  ]);
  assert.deepEqual(sorted.map((p) => p.name), ['velero.io/pv', 'velero.io/aws', 'velero.io/job', 'velero.io/pod']);
});

test('plugin get and get plugins exist; a bad --timeout names the flag', async () => {
  const r = await run(['plugin', 'get', '--timeout', 'soon']);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /^Error: invalid argument "soon" for "--timeout" flag/);
  const help = await run(['get', 'plugins', '--help']);
  assert.equal(help.code, 0);
  assert.match(help.stdout, /--timeout <duration>/);
});
