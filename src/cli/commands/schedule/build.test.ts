/** @module cli/commands/schedule/build.test — `schedule create` flags → the Schedule object, without a cluster. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { validate, type Schedule } from '../../../api/index.ts';
import { run } from '../../testing.ts';
import { buildSchedule } from './build.ts';
import { pausePatch } from './pause.ts';

/** `skiff schedule create ...args -o json`, parsed; nothing is contacted (no kubeconfig exists). */
async function built(...args: string[]): Promise<Schedule> {
  const r = await run(['schedule', 'create', ...args, '-o', 'json', '-n', 'velero']);
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout) as Schedule;
}

async function usage(...args: string[]): Promise<string> {
  const r = await run(['schedule', 'create', ...args]);
  assert.equal(r.code, 1, r.stdout);
  assert.equal(r.stdout, '');
  return r.stderr;
}

test('defaults: the template backup create would send, velero field order, useOwnerReferencesInBackup false', async () => {
  const s = await built('nightly', '--schedule', '0 3 * * *');
  assert.deepEqual(s, {
    apiVersion: 'velero.io/v1',
    kind: 'Schedule',
    metadata: { name: 'nightly', namespace: 'velero' },
    spec: {
      template: { metadata: {}, includedNamespaces: ['*'], ttl: '0s', hooks: {}, csiSnapshotTimeout: '0s', itemOperationTimeout: '0s' },
      schedule: '0 3 * * *',
      useOwnerReferencesInBackup: false,
    },
  });
  assert.equal(validate('Schedule', s).valid, true);
});

test('backup flags shape the template; --labels and --annotations go on the schedule; its own flags', async () => {
  const s = await built(
    'nightly', '--schedule', 'CRON_TZ=Europe/Berlin @daily',
    '--include-namespaces', 'a,b', '--exclude-resources', 'events', '-l', 'app=shop', '--ttl', '72h',
    '--labels', 'team=x', '--annotations', 'owner=ops',
    '--use-owner-references-in-backup', '--paused', '--skip-immediately=false', '--snapshot-volumes=false',
  );
  assert.deepEqual(s.metadata, { name: 'nightly', namespace: 'velero', labels: { team: 'x' }, annotations: { owner: 'ops' } });
  assert.deepEqual(s.spec?.template.includedNamespaces, ['a', 'b']);
  assert.deepEqual(s.spec?.template.excludedResources, ['events']);
  assert.deepEqual(s.spec?.template.labelSelector, { matchLabels: { app: 'shop' } });
  assert.equal(s.spec?.template.ttl, '72h0m0s');
  assert.equal(s.spec?.template.snapshotVolumes, false);
  assert.equal(s.spec?.template.metadata?.labels, undefined, 'the labels are the schedule’s, not the template’s');
  assert.deepEqual([s.spec?.useOwnerReferencesInBackup, s.spec?.paused, s.spec?.skipImmediately], [true, true, false]);
  assert.equal((await built('n', '--schedule', '@every 1h', '--skip-immediately')).spec?.skipImmediately, true);
  assert.equal('skipImmediately' in ((await built('n', '--schedule', '@every 1h')).spec ?? {}), false, 'unset: the server decides');
});

test('errors name the flag', async () => {
  assert.match(await usage('--schedule', '@daily'), /^Error: accepts 1 arg\(s\), received 0\n/);
  assert.match(await usage('nightly'), /^Error: --schedule is required\n/);
  assert.match(await usage('nightly', '--schedule', '   '), /--schedule is required/);
  assert.match(await usage('nightly', '--schedule', '* * *'), /^Error: --schedule: invalid schedule: expected exactly 5 fields/);
  assert.match(await usage('nightly', '--schedule', 'CRON_TZ=Nowhere/Land @daily'), /--schedule: invalid schedule: unknown time zone "Nowhere\/Land"/);
  assert.match(await usage('nightly', '--schedule', '@daily', '-l', 'a=b', '--or-selector', 'c=d'), /either a '--selector' or an '--or-selector'/);
  assert.match(await usage('nightly', '--schedule', '@daily', '--include-namespaces', 'a,*'), /--include-namespaces/);
  assert.match(await usage('nightly', '--schedule', '@daily', '--include-resources', 'pods', '--include-cluster-scoped-resources', 'nodes'), /They cannot be used together/);
  assert.match(await usage('nightly', '--schedule', '@daily', '--ttl', 'soon'), /invalid argument "soon" for "--ttl" flag/);
  assert.match(await usage('nightly', '--schedule', '@daily', '--from-schedule', 'x'), /unknown flag: --from-schedule/);
  assert.match(await usage('nightly', '--schedule', '@daily', '--wait'), /unknown flag: --wait/);
});

test('buildSchedule directly: paused only when true, as velero omits false', () => {
  const s = buildSchedule({ name: 'n', schedule: '@hourly', paused: false }, 'ns');
  assert.equal('paused' in (s.spec ?? {}), false);
  assert.equal(s.metadata.namespace, 'ns');
});

test('pause and unpause patches: skipImmediately from the flag, null (unset) without it', () => {
  assert.deepEqual(pausePatch(true, undefined), { spec: { paused: true, skipImmediately: null } });
  assert.deepEqual(pausePatch(false, true), { spec: { paused: false, skipImmediately: true } });
});
