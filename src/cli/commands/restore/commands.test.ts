/**
 * @module cli/commands/restore/commands.test — the `restore` command tree through the in-process CLI runner,
 * against a fake API server that keeps Backups and Restores in memory: what is asked of the server, what is
 * sent, what is printed, and the exit codes.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, beforeEach, test } from 'node:test';
import { parse as parseYaml } from 'yaml';
import { validate, type Backup, type Restore } from '../../../api/index.ts';
import { FakeApiServer, sendJson, sendStatus } from '../../../kube/testing/index.ts';
import { removeDir, run, tempDir, testContext, type RunResult } from '../../testing.ts';
import { buildRestore } from './build.ts';

const BASE = '/apis/velero.io/v1/namespaces/velero';
let server: FakeApiServer;
let dir: string;
let kubeconfig: string;
/** What the fake server holds, by resource then name. */
const objects = { backups: new Map<string, Backup>(), restores: new Map<string, Restore>() };

before(async () => {
  server = await FakeApiServer.start();
  dir = tempDir('skiff-restore-cli-');
  kubeconfig = join(dir, 'config');
  writeFileSync(
    kubeconfig,
    `apiVersion: v1
kind: Config
clusters: [{name: fake, cluster: {server: "${server.url}"}}]
users: [{name: u, user: {token: t}}]
contexts: [{name: c, context: {cluster: fake, user: u, namespace: default}}]
current-context: c
`,
  );
  for (const kind of ['backups', 'restores'] as const) {
    const store = objects[kind];
    server.on('GET', new RegExp(`^${BASE}/${kind}$`), (req, res) => {
      // Only equality selectors are needed here: the schedule-name label.
      const [key, value] = (req.query.get('labelSelector') ?? '').split('=');
      const items = [...store.values()].filter((o) => !key || o.metadata.labels?.[key] === value);
      sendJson(res, 200, { apiVersion: 'velero.io/v1', kind: `${kind === 'backups' ? 'Backup' : 'Restore'}List`, metadata: {}, items });
    });
    server.on('GET', new RegExp(`^${BASE}/${kind}/[^/]+$`), (req, res) => {
      const name = req.path.split('/').pop() ?? '';
      const obj = store.get(name);
      if (obj) sendJson(res, 200, obj);
      else sendStatus(res, 404, 'NotFound', `${kind}.velero.io "${name}" not found`, { details: { name, group: 'velero.io', kind } });
    });
    server.on('DELETE', new RegExp(`^${BASE}/${kind}/[^/]+$`), (req, res) => {
      const name = req.path.split('/').pop() ?? '';
      const obj = store.get(name);
      store.delete(name);
      if (obj) sendJson(res, 200, obj);
      else sendStatus(res, 404, 'NotFound', `${kind}.velero.io "${name}" not found`);
    });
  }
  server.on('POST', `${BASE}/restores`, (req, res) => {
    const obj = JSON.parse(req.body) as Restore;
    const name = obj.metadata.name ?? '';
    if (objects.restores.has(name)) return sendStatus(res, 409, 'AlreadyExists', `restores.velero.io "${name}" already exists`);
    const stored: Restore = { ...obj, metadata: { ...obj.metadata, uid: `uid-${name}`, creationTimestamp: '2025-01-02T03:04:05Z' } };
    objects.restores.set(name, stored);
    sendJson(res, 201, stored);
  });
});

after(async () => {
  await server.close();
  removeDir(dir);
});

beforeEach(() => {
  objects.backups.clear();
  objects.restores.clear();
  server.requests.length = 0;
});

function addBackup(name: string, phase: string, start?: string, labels?: Record<string, string>): void {
  objects.backups.set(name, {
    apiVersion: 'velero.io/v1', kind: 'Backup',
    metadata: { name, namespace: 'velero', ...(labels ? { labels } : {}) },
    status: { phase: phase as never, ...(start ? { startTimestamp: start } : {}) },
  });
}

function skiff(...args: string[]): Promise<RunResult> {
  return run(['-n', 'velero', ...args], testContext({ env: { KUBECONFIG: kubeconfig } }));
}

const writes = (): string[] => server.requests.filter((r) => r.method !== 'GET').map((r) => `${r.method} ${r.path}`);

test('-o yaml prints the Restore after checking the backup exists, and creates nothing', async () => {
  addBackup('nightly', 'Completed');
  const r = await skiff('restore', 'create', 'r1', '--from-backup', 'nightly', '-o', 'yaml', '--namespace-mappings', 'shop:shop-copy', '--preserve-nodeports');
  assert.equal(r.code, 0, r.stderr);
  const doc = parseYaml(r.stdout) as Restore;
  assert.equal(validate('Restore', doc).valid, true);
  assert.deepEqual(doc, buildRestore({ name: 'r1', fromBackup: 'nightly', namespaceMappings: { shop: 'shop-copy' }, preserveNodePorts: true }, { namespace: 'velero' }));
  assert.deepEqual(server.requests.map((q) => `${q.method} ${q.path}`), [`GET ${BASE}/backups/nightly`]);
  const json = await skiff('create', 'restore', 'r2', '--from-backup', 'nightly', '-o', 'json');
  assert.equal((JSON.parse(json.stdout) as Restore).metadata.name, 'r2', 'the verb-noun form is the same command');
  const table = await skiff('restore', 'create', 'r3', '--from-backup', 'nightly', '-o', 'table');
  assert.equal(
    table.stdout,
    'NAME   BACKUP    STATUS   STARTED   COMPLETED   ERRORS   WARNINGS   CREATED   SELECTOR\nr3     nightly   New      <nil>     <nil>       0        0          <nil>     <none>\n',
  );
  assert.deepEqual(writes(), []);
  assert.equal(objects.restores.size, 0);
});

test('create sends exactly the built Restore and says so in velero words; a taken name is the API error', async () => {
  addBackup('nightly', 'Completed');
  const r = await skiff('restore', 'create', 'r1', '--from-backup', 'nightly', '--include-namespaces', 'shop', '--labels', 'drill=yes');
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, 'Restore request "r1" submitted successfully.\nRun `skiff restore describe r1` or `skiff restore logs r1` for more details.\n');
  const posted = JSON.parse(server.requestsTo(`${BASE}/restores`, 'POST')[0]?.body ?? '{}') as Restore;
  assert.deepEqual(posted, buildRestore({ name: 'r1', fromBackup: 'nightly', includeNamespaces: ['shop'], labels: { drill: 'yes' } }, { namespace: 'velero' }));
  const again = await skiff('restore', 'create', 'r1', '--from-backup', 'nightly');
  assert.deepEqual([again.code, again.stderr], [1, 'An error occurred: restores.velero.io "r1" already exists\n']);
});

test('a missing backup fails before anything is created, with the API server\'s words', async () => {
  const r = await skiff('restore', 'create', '--from-backup', 'nope');
  assert.deepEqual(r, { code: 1, stdout: '', stderr: 'An error occurred: backups.velero.io "nope" not found\n' });
  const printed = await skiff('restore', 'create', '--from-backup', 'nope', '-o', 'json');
  assert.equal(printed.stderr, 'An error occurred: backups.velero.io "nope" not found\n', 'velero checks even when only printing');
  assert.deepEqual(writes(), []);
});

test('--from-schedule: refused when the schedule has no backups; otherwise the schedule goes to the server', async () => {
  const none = await skiff('restore', 'create', '--from-schedule', 'daily');
  assert.deepEqual(none, { code: 1, stdout: '', stderr: 'An error occurred: No backups found for the schedule daily\n' });
  assert.equal(server.requests[0]?.query.get('labelSelector'), 'velero.io/schedule-name=daily');
  addBackup('daily-20250101000000', 'Failed', '2025-01-01T00:00:00Z', { 'velero.io/schedule-name': 'daily' });
  addBackup('other', 'Completed', '2025-01-05T00:00:00Z', { 'velero.io/schedule-name': 'weekly' });
  const r = await skiff('restore', 'create', 'from-daily', '--from-schedule', 'daily', '-o', 'json');
  assert.equal(r.code, 0, r.stderr);
  const spec = (JSON.parse(r.stdout) as Restore).spec ?? {};
  assert.deepEqual([spec.scheduleName, 'backupName' in spec], ['daily', false]);
});

test('--from-schedule --allow-partially-failed: the CLI picks the newest Completed or PartiallyFailed backup', async () => {
  const label = { 'velero.io/schedule-name': 'daily' };
  addBackup('daily-20250101000000', 'Completed', '2025-01-01T00:00:00Z', label);
  addBackup('daily-20250102000000', 'PartiallyFailed', '2025-01-02T00:00:00Z', label);
  addBackup('daily-20250103000000', 'Failed', '2025-01-03T00:00:00Z', label);
  const r = await skiff('restore', 'create', '--from-schedule', 'daily', '--allow-partially-failed', '-o', 'json');
  assert.equal(r.code, 0, r.stderr);
  const restore = JSON.parse(r.stdout) as Restore;
  assert.equal(restore.spec?.backupName, 'daily-20250102000000');
  assert.equal('scheduleName' in (restore.spec ?? {}), false);
  assert.match(restore.metadata.name ?? '', /^daily-\d{14}$/, 'named after the schedule');
  objects.backups.clear();
  addBackup('daily-x', 'Failed', '2025-01-03T00:00:00Z', label);
  const fallback = JSON.parse((await skiff('restore', 'create', '--from-schedule', 'daily', '--allow-partially-failed', '-o', 'json')).stdout) as Restore;
  assert.equal(fallback.spec?.scheduleName, 'daily', 'nothing qualifies: the server validates the schedule');
});

test('flag problems exit 1 naming the flag, and never reach the server', async () => {
  addBackup('b', 'Completed');
  const cases: Array<[string[], RegExp]> = [
    [['--from-backup', 'b', '--existing-resource-policy', 'merge'], /invalid argument "merge" for "--existing-resource-policy" flag/],
    [['--from-backup', 'b', '--namespace-mappings', 'a'], /for "--namespace-mappings" flag/],
    [['--from-backup', 'b', '--parallel-files-download', '-2'], /--parallel-files-download cannot be negative/],
    [['--from-backup', 'b', '--restore-volumes=perhaps'], /for "--restore-volumes" flag: expected true or false/],
    [['--from-backup', 'b', '-o', 'xml'], /invalid argument "xml" for "-o, --output" flag/],
    [[], /--from-backup.*--from-schedule/],
  ];
  for (const [args, message] of cases) {
    const r = await skiff('restore', 'create', ...args);
    assert.equal(r.code, 1, args.join(' '));
    assert.match(r.stderr, /^Error: /, args.join(' '));
    assert.match(r.stderr, message, args.join(' '));
  }
  assert.deepEqual(server.requests, []);
});

function restoreObject(name: string, status: Restore['status']): Restore {
  return { apiVersion: 'velero.io/v1', kind: 'Restore', metadata: { name, namespace: 'velero', creationTimestamp: '2025-01-02T03:04:05Z' }, spec: { backupName: 'nightly' }, status };
}

test('get: velero columns; one restore as JSON is the object itself, several a List', async () => {
  objects.restores.set('r2', restoreObject('r2', { phase: 'Completed', startTimestamp: '2025-01-02T03:04:06Z', completionTimestamp: '2025-01-02T03:05:00Z', warnings: 1 }));
  objects.restores.set('r1', restoreObject('r1', { phase: 'InProgress' }));
  const table = await skiff('get', 'restores');
  assert.equal(table.code, 0, table.stderr);
  assert.deepEqual(table.stdout.split('\n').map((l) => l.split(/\s{2,}/).slice(0, 3).join('|')), ['NAME|BACKUP|STATUS', 'r2|nightly|Completed', 'r1|nightly|InProgress', '']);
  const one = JSON.parse((await skiff('restore', 'get', 'r1', '-o', 'json')).stdout) as Restore;
  assert.deepEqual([one.kind, one.metadata.name], ['Restore', 'r1']);
  const list = JSON.parse((await skiff('restore', 'get', '-o', 'json')).stdout) as { kind: string; items: Restore[] };
  assert.deepEqual([list.kind, list.items.length], ['List', 2]);
  const missing = await skiff('restore', 'get', 'ghost');
  assert.deepEqual([missing.code, missing.stderr], [1, 'An error occurred: restores.velero.io "ghost" not found\n']);
});

test('logs: refused, in velero words, for a restore that does not exist or has not finished', async () => {
  objects.restores.set('busy', restoreObject('busy', { phase: 'InProgress' }));
  const busy = await skiff('restore', 'logs', 'busy');
  assert.deepEqual(busy, {
    code: 1,
    stdout: '',
    stderr: 'Logs for restore "busy" are not available until it\'s finished processing. Please wait until the restore has a phase of Completed or Failed and try again.\n',
  });
  const ghost = await skiff('restore', 'logs', 'ghost');
  assert.deepEqual([ghost.code, ghost.stderr], [1, 'Restore "ghost" does not exist.\n']);
});

test('delete: the Restore object itself (its finalizer cleans the bucket); NAMES, --all or -l, exactly one', async () => {
  objects.restores.set('r1', restoreObject('r1', { phase: 'Completed' }));
  const r = await skiff('restore', 'delete', 'r1', '--confirm');
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, 'Request to delete restore "r1" submitted successfully.\nThe restore will be fully deleted after all associated data (restore files in object storage) are removed.\n');
  assert.deepEqual(writes(), [`DELETE ${BASE}/restores/r1`]);
  const none = await skiff('delete', 'restores', '--all', '--confirm');
  assert.deepEqual([none.code, none.stdout], [0, 'No restores found\n']);
  const neither = await skiff('restore', 'delete', '--confirm');
  assert.equal(neither.code, 1);
  assert.match(neither.stderr, /^Error: you must specify exactly one of: specific restore name\(s\), the --all flag, or the --selector flag\n/);
});

test('describe takes no -o (velero has none for restores)', async () => {
  const r = await skiff('restore', 'describe', 'r1', '-o', 'json');
  assert.equal(r.code, 1);
  assert.match(r.stderr, /^Error: unknown shorthand flag: 'o' in -o\n/);
});
