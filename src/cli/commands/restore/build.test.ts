/** @module cli/commands/restore/build.test — `restore create` flags → the Restore it sends, and the flag errors, without a cluster. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { CommandUnknownOpts } from '@commander-js/extra-typings';
import { validate, type Backup, type Restore } from '../../../api/index.ts';
import { run, testContext } from '../../testing.ts';
import {
  buildRestore,
  buildValidRestore,
  defaultRestoreName,
  existingResourcePolicyArg,
  namespaceMappingsArg,
  newestRestorableBackup,
  RestoreFlagError,
  type RestoreBuildContext,
  type RestoreCreateOptions,
} from './build.ts';
import { readRestoreCreateFlags, restoreCreateCommand } from './create.ts';

/** The options commander hands the action for `restore create ...args`; parsing only, nothing runs. */
async function flags(...args: string[]): Promise<RestoreCreateOptions> {
  const cmd = restoreCreateCommand(testContext()) as CommandUnknownOpts;
  let read: RestoreCreateOptions | undefined;
  cmd.exitOverride().configureOutput({ writeErr: () => undefined, writeOut: () => undefined });
  cmd.action(function (this: CommandUnknownOpts) {
    read = readRestoreCreateFlags(this);
  });
  await cmd.parseAsync(args, { from: 'user' });
  assert.ok(read, 'the action ran');
  return read;
}

const CTX: RestoreBuildContext = { namespace: 'velero', now: new Date('2025-03-04T05:06:07Z') };

/** The Restore `restore create ...args` would send. */
async function built(...args: string[]): Promise<Restore> {
  return buildValidRestore(await flags(...args), CTX);
}

/** A usage error through the real CLI runner: exit 1, nothing on stdout, velero's `Error:` line on stderr. */
async function usage(...args: string[]): Promise<string> {
  const r = await run(['restore', 'create', ...args]);
  assert.equal(r.code, 1, r.stdout);
  assert.equal(r.stdout, '');
  assert.match(r.stderr, /\nRun 'skiff restore create --help' for usage\.\n$/);
  return r.stderr;
}

test('defaults: all namespaces, 0s timeout, hooks and uploader config as velero always sends them, nothing else', async () => {
  const r = await built('r1', '--from-backup', 'nightly');
  assert.deepEqual(r, {
    apiVersion: 'velero.io/v1',
    kind: 'Restore',
    metadata: { name: 'r1', namespace: 'velero' },
    spec: { backupName: 'nightly', includedNamespaces: ['*'], hooks: {}, itemOperationTimeout: '0s', uploaderConfig: {} },
  });
  assert.equal(validate('Restore', r).valid, true);
});

test('every list flag maps to its field; a repeated StringArray replaces the earlier value', async () => {
  const r = await built(
    'r', '--from-backup', 'b',
    '--include-namespaces', 'a,b', '--include-namespaces', 'shop,web', '--exclude-namespaces', 'kube-system',
    '--include-resources', 'pods,deployments.apps', '--exclude-resources', 'secrets',
  );
  assert.deepEqual(r.spec?.includedNamespaces, ['shop', 'web']);
  assert.deepEqual(r.spec?.excludedNamespaces, ['kube-system']);
  assert.deepEqual(r.spec?.includedResources, ['pods', 'deployments.apps']);
  assert.deepEqual(r.spec?.excludedResources, ['secrets']);
});

test('tri-state flags: absent leaves the field out (server decides), bare means true, =false is false', async () => {
  const absent = await built('r', '--from-backup', 'b');
  for (const f of ['restorePVs', 'preserveNodePorts', 'includeClusterResources'] as const) assert.equal(f in (absent.spec ?? {}), false, f);
  assert.deepEqual(absent.spec?.uploaderConfig, {});
  const bare = await built('r', '--from-backup', 'b', '--restore-volumes', '--preserve-nodeports', '--include-cluster-resources', '--write-sparse-files');
  assert.deepEqual([bare.spec?.restorePVs, bare.spec?.preserveNodePorts, bare.spec?.includeClusterResources], [true, true, true]);
  assert.deepEqual(bare.spec?.uploaderConfig, { writeSparseFiles: true });
  const off = await built('r', '--from-backup', 'b', '--restore-volumes=false', '--preserve-nodeports=0', '--include-cluster-resources=F', '--write-sparse-files=false');
  assert.deepEqual([off.spec?.restorePVs, off.spec?.preserveNodePorts, off.spec?.includeClusterResources], [false, false, false]);
  assert.deepEqual(off.spec?.uploaderConfig, { writeSparseFiles: false });
  assert.match(await usage('--from-backup', 'b', '--preserve-nodeports=maybe'), /^Error: invalid argument "maybe" for "--preserve-nodeports" flag: expected true or false\n/);
});

test('labels and annotations go on the Restore itself; selectors and the rest on the spec', async () => {
  const r = await built(
    'r', '--from-backup', 'b',
    '--labels', 'app=web,"note=a,b"', '--labels', 'tier=db', '--annotations', 'owner=ops',
    '-l', 'app=web,tier in (a,b)',
    '--existing-resource-policy', 'update', '--item-operation-timeout', '1h30m',
    '--resource-modifier-configmap', 'rules', '--parallel-files-download', '4',
    '--status-include-resources', 'widgets.example.com', '--status-exclude-resources', 'pods',
  );
  assert.deepEqual(r.metadata.labels, { app: 'web', note: 'a,b', tier: 'db' });
  assert.deepEqual(r.metadata.annotations, { owner: 'ops' });
  assert.deepEqual(r.spec?.labelSelector, { matchLabels: { app: 'web' }, matchExpressions: [{ key: 'tier', operator: 'In', values: ['a', 'b'] }] });
  assert.equal(r.spec?.existingResourcePolicy, 'update');
  assert.equal(r.spec?.itemOperationTimeout, '1h30m0s');
  assert.deepEqual(r.spec?.resourceModifier, { apiGroup: '', kind: 'configmap', name: 'rules' });
  assert.deepEqual(r.spec?.uploaderConfig, { parallelFilesDownload: 4 });
  assert.deepEqual(r.spec?.restoreStatus, { includedResources: ['widgets.example.com'], excludedResources: ['pods'] });
  const or = await built('r', '--from-backup', 'b', '--or-selector', 'foo=bar or app=nginx');
  assert.deepEqual(or.spec?.orLabelSelectors, [{ matchLabels: { foo: 'bar' } }, { matchLabels: { app: 'nginx' } }]);
  assert.equal('labelSelector' in (or.spec ?? {}), false);
});

test('restoreStatus is sent only when something is included, as velero does', async () => {
  const excludeOnly = await built('r', '--from-backup', 'b', '--status-exclude-resources', 'pods');
  assert.equal('restoreStatus' in (excludeOnly.spec ?? {}), false);
  const includeOnly = await built('r', '--from-backup', 'b', '--status-include-resources', '*');
  assert.deepEqual(includeOnly.spec?.restoreStatus, { includedResources: ['*'] });
});

test('--namespace-mappings: src:dst pairs, repeats add more; bad entries are refused naming the flag', async () => {
  const r = await built('r', '--from-backup', 'b', '--namespace-mappings', 'shop:shop-copy,web:web-2', '--namespace-mappings', 'db:db-2');
  assert.deepEqual(r.spec?.namespaceMapping, { shop: 'shop-copy', web: 'web-2', db: 'db-2' });
  assert.deepEqual(namespaceMappingsArg('a:b', { x: 'y' }), { x: 'y', a: 'b' });
  const flag = /^Error: invalid argument "([^"]*)" for "--namespace-mappings" flag: /;
  assert.match(await usage('--from-backup', 'b', '--namespace-mappings', 'shop'), flag);
  assert.match(await usage('--from-backup', 'b', '--namespace-mappings', 'shop'), /"shop" is not a mapping: expected source:target/);
  assert.match(await usage('--from-backup', 'b', '--namespace-mappings', 'Shop:copy'), /source namespace "Shop" in "Shop:copy" must consist of lower case/);
  assert.match(await usage('--from-backup', 'b', '--namespace-mappings', 'shop:'), /target namespace "" in "shop:" must not be empty/);
  assert.match(await usage('--from-backup', 'b', '--namespace-mappings', `shop:${'x'.repeat(64)}`), /must be no more than 63 characters/);
  assert.match(await usage('--from-backup', 'b', '--namespace-mappings', 'a:b,a:c'), /namespace "a" is mapped more than once/);
});

test('--existing-resource-policy accepts none and update; empty means unset; anything else names the flag', async () => {
  assert.equal((await built('r', '--from-backup', 'b', '--existing-resource-policy', 'none')).spec?.existingResourcePolicy, 'none');
  assert.equal('existingResourcePolicy' in ((await built('r', '--from-backup', 'b', '--existing-resource-policy', '')).spec ?? {}), false);
  assert.equal(existingResourcePolicyArg(''), undefined);
  assert.equal(
    (await usage('--from-backup', 'b', '--existing-resource-policy', 'replace')).split('\n')[0],
    'Error: invalid argument "replace" for "--existing-resource-policy" flag: valid values are none, update',
  );
});

test('source flags: exactly one of --from-backup and --from-schedule', async () => {
  const message = 'Error: either a backup (--from-backup) or a schedule (--from-schedule) must be specified, but not both';
  assert.equal((await usage('r')).split('\n')[0], message);
  assert.equal((await usage('r', '--from-backup', 'b', '--from-schedule', 's')).split('\n')[0], message);
  assert.equal((await usage('--from-backup', '')).split('\n')[0], message);
  assert.throws(() => buildRestore({}, CTX), RestoreFlagError);
  const fromSchedule = await built('r', '--from-schedule', 'daily');
  assert.deepEqual([fromSchedule.spec?.scheduleName, 'backupName' in (fromSchedule.spec ?? {})], ['daily', false]);
});

test('other client-side checks name their flags', async () => {
  assert.match(await usage('--from-backup', 'b', '-l', 'a=b', '--or-selector', 'c=d'), /^Error: either a '--selector' or an '--or-selector' can be specified, but not both\n/);
  assert.match(await usage('--from-backup', 'b', '--parallel-files-download', '-1'), /^Error: --parallel-files-download cannot be negative\n/);
  assert.match(await usage('--from-backup', 'b', '--parallel-files-download', 'many'), /^Error: invalid argument "many" for "--parallel-files-download" flag: expected an integer\n/);
  assert.match(await usage('--from-backup', 'b', '--include-namespaces', 'Bad_NS'), /^Error: --include-namespaces: "Bad_NS" is not a valid namespace name or pattern\n/);
  assert.match(await usage('--from-backup', 'b', '--include-namespaces', 'a', '--exclude-namespaces', 'a'), /"a" is both included and excluded/);
  assert.match(await usage('--from-backup', 'b', '--item-operation-timeout', '5'), /^Error: invalid argument "5" for "--item-operation-timeout" flag: /);
  assert.match(await usage('--from-backup', 'b', '-l', 'a=b=c'), /^Error: invalid argument "a=b=c" for "-l, --selector" flag: /);
  assert.match(await usage('--from-backup', 'b', '--labels', 'novalue'), /^Error: invalid argument "novalue" for "--labels" flag: error parsing "novalue": expected key=value\n/);
  assert.match(await usage('--from-backup', 'b', '--no-such-flag'), /^Error: unknown flag: --no-such-flag\n/);
  assert.match(await usage('a', 'b', '--from-backup', 'b'), /^Error: too many arguments/);
});

test("default name: the backup's or schedule's, then the CLI machine's local time", async () => {
  const saved = process.env['TZ'];
  try {
    // Node re-reads TZ when it changes, so local time here is UTC+05:30 whatever the machine says.
    process.env['TZ'] = 'Asia/Kolkata';
    const now = new Date('2025-03-04T20:06:07Z');
    assert.equal(defaultRestoreName({ fromBackup: 'nightly' }, now), 'nightly-20250305013607');
    assert.equal(defaultRestoreName({ fromSchedule: 'daily', allowPartiallyFailed: true }, now), 'daily-20250305013607');
    assert.equal(buildRestore({ fromBackup: 'nightly' }, { namespace: 'velero', now }).metadata.name, 'nightly-20250305013607');
    assert.equal(buildRestore({ name: 'mine', fromBackup: 'nightly' }, { namespace: 'velero', now }).metadata.name, 'mine');
  } finally {
    if (saved === undefined) delete process.env['TZ'];
    else process.env['TZ'] = saved;
  }
});

function backup(name: string, phase: string, start?: string): Backup {
  return { apiVersion: 'velero.io/v1', kind: 'Backup', metadata: { name }, status: { phase: phase as never, ...(start ? { startTimestamp: start } : {}) } };
}

test('--allow-partially-failed: the newest Completed or PartiallyFailed backup of the schedule, sent as backupName', () => {
  const backups = [
    backup('daily-1', 'Completed', '2025-01-01T00:00:00Z'),
    backup('daily-3', 'Failed', '2025-01-03T00:00:00Z'),
    backup('daily-2', 'PartiallyFailed', '2025-01-02T00:00:00Z'),
    backup('daily-x', 'Completed'),
  ];
  assert.equal(newestRestorableBackup(backups)?.metadata.name, 'daily-2');
  assert.equal(newestRestorableBackup([backup('a', 'Completed'), backup('b', 'InProgress', '2025-01-01T00:00:00Z')])?.metadata.name, 'a');
  assert.equal(newestRestorableBackup([backup('f', 'Failed', '2025-01-01T00:00:00Z')]), undefined);
  const r = buildRestore({ fromSchedule: 'daily', allowPartiallyFailed: true }, { ...CTX, scheduleBackup: 'daily-2' });
  assert.equal(r.spec?.backupName, 'daily-2');
  assert.equal('scheduleName' in (r.spec ?? {}), false);
  assert.equal(r.metadata.name, defaultRestoreName({ fromSchedule: 'daily' }, CTX.now!), 'still named after the schedule');
});

test('buildValidRestore runs the schema as well, for options that did not come through the flag parsers', () => {
  assert.throws(() => buildValidRestore({ fromBackup: 'b', parallelFilesDownload: 1.5 }, CTX), /^Error: the restore would be invalid:\n.*parallelFilesDownload/s);
});
