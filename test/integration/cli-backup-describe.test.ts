/** `skiff backup get` and `describe` against the real API server, with the files served by a stand-in for the skiff server. */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { test } from 'node:test';
import { newBackup, newDeleteBackupRequest, VeleroResources, type Backup } from '../../src/api/index.ts';
import { fakeDownloadServer, gz, setStatus, setup, type Env } from './cli-backup-helpers.ts';

const DAY = 86_400_000;
const iso = (ms: number): string => new Date(ms).toISOString().replace(/\.\d+Z$/, 'Z');

async function makeBackup(env: Env, name: string, status: Backup['status'], spec: Backup['spec'] = { storageLocation: 'default', ttl: '720h0m0s' }): Promise<Backup> {
  await env.client.create(VeleroResources.backups, newBackup(name, env.ns, spec, { labels: { app: name.startsWith('daily') ? 'daily' : 'adhoc' } }));
  return setStatus(env.client, env.ns, name, status);
}

test('get: the table of backups in velero order; names, -l, -o yaml; unknown names fail like velero', async (t) => {
  const env = await setup(t);
  const start = Date.now() - DAY;
  await makeBackup(env, 'daily-20250101000000', { phase: 'Completed', startTimestamp: iso(start), expiration: iso(start + 30 * DAY + 3600_000), warnings: 1 });
  await makeBackup(env, 'daily-20250102000000', { phase: 'PartiallyFailed', startTimestamp: iso(start), expiration: iso(start + 30 * DAY + 3600_000), errors: 2 });
  await env.client.create(VeleroResources.backups, newBackup('adhoc', env.ns, {}));
  const r = await env.skiff('backup', 'get');
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(
    r.stdout.split('\n').map((l) => l.split(/\s{2,}/).slice(0, 6).join('|')),
    [
      'NAME|STATUS|ERRORS|WARNINGS|CREATED|EXPIRES',
      'adhoc|New|0|0|<nil>|n/a',
      `daily-20250102000000|PartiallyFailed|2|0|${r.stdout.match(/\d{4}-\d\d-\d\d \d\d:\d\d:\d\d \+0000 UTC/)?.[0]}|29d`,
      `daily-20250101000000|Completed|0|1|${r.stdout.match(/\d{4}-\d\d-\d\d \d\d:\d\d:\d\d \+0000 UTC/)?.[0]}|29d`,
      '',
    ],
  );
  const selected = await env.skiff('get', 'backups', '-l', 'app=daily', '-o', 'yaml');
  assert.match(selected.stdout, /^apiVersion: v1\nkind: List\nitems:\n- apiVersion: velero\.io\/v1\n  kind: Backup\n/);
  const one = await env.skiff('backup', 'get', 'adhoc', '-o', 'json');
  assert.equal(JSON.parse(one.stdout).metadata.name, 'adhoc');
  const missing = await env.skiff('backup', 'get', 'adhoc', 'nope');
  assert.equal(missing.code, 1);
  assert.equal(missing.stdout, '');
  assert.equal(missing.stderr, 'An error occurred: backups.velero.io "nope" not found\n');
});

test('describe: results, resource list and volume info through DownloadRequests (file:// URLs), deletion attempts', async (t) => {
  const env = await setup(t);
  const dir = mkdtempSync(join(tmpdir(), 'skiff-describe-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const files: Record<string, Buffer> = {
    BackupResults: gz({ warnings: { cluster: ['w1'] }, errors: { namespaces: { shop: ['e1', 'e2'] } } }),
    BackupResourceList: gz({ 'v1/Pod': ['shop/a', 'shop/b'], 'apps/v1/Deployment': ['shop/web'] }),
    BackupVolumeInfos: gz([{ pvName: 'pv-1', backupMethod: 'NativeSnapshot', result: 'succeeded', nativeSnapshotInfo: { snapshotHandle: 'snap-1', volumeType: 'gp3', volumeAZ: 'az1', iops: '' } }]),
  };
  for (const [kind, body] of Object.entries(files)) writeFileSync(join(dir, kind), body);
  const server = await fakeDownloadServer(env.client, env.ns, (dr) => {
    const kind = dr.spec?.target.kind ?? '';
    return kind in files ? pathToFileURL(join(dir, kind)).href : '';
  });
  t.after(() => server.stop());
  const b = await makeBackup(env, 'b1', {
    phase: 'PartiallyFailed', formatVersion: '1.1.0', startTimestamp: '2025-01-02T03:04:05Z', completionTimestamp: '2025-01-02T03:05:05Z',
    expiration: '2025-02-01T03:04:05Z', warnings: 1, errors: 2, progress: { totalItems: 3, itemsBackedUp: 3 }, volumeSnapshotsAttempted: 1, volumeSnapshotsCompleted: 1,
  });
  await env.client.create(
    VeleroResources.deleteBackupRequests,
    newDeleteBackupRequest('b1-x', env.ns, { backupName: 'b1' }, { labels: { 'velero.io/backup-name': 'b1', 'velero.io/backup-uid': b.metadata.uid ?? '' } }),
  );
  await env.client.patch(VeleroResources.deleteBackupRequests, 'b1-x', 'merge', { status: { phase: 'Processed', errors: ['the location is read-only'] } }, { namespace: env.ns });
  const r = await env.skiff('backup', 'describe', 'b1', '--details');
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stderr, '');
  const text = r.stdout;
  assert.match(text, /^Name:         b1\nNamespace:    cli-backup-\w+\nLabels:       app=adhoc\nAnnotations:  <none>\n\nPhase:  PartiallyFailed \(run `skiff backup logs b1` for more information\)\n\n/);
  assert.match(text, /\nWarnings:\n  Velero:     <none>\n  Cluster:  w1\n  Namespaces: <none>\n\nErrors:\n  Velero:     <none>\n  Cluster:    <none>\n  Namespaces:\n    shop:  e1\n           e2\n\nNamespaces:\n/);
  assert.match(text, /\nResource List:\n  apps\/v1\/Deployment:\n    - shop\/web\n  v1\/Pod:\n    - shop\/a\n    - shop\/b\n\nBackup Volumes:\n  Velero-Native Snapshots:\n    pv-1:\n      Snapshot ID:        snap-1\n/);
  assert.match(text, /\n  CSI Snapshots: <none included>\n\n  Pod Volume Backups: <none included>\n\nDeletion Attempts \(1 failed\):\n  \d{4}-\d\d-\d\d \d\d:\d\d:\d\d \+0000 UTC: Processed\n  Errors:\n    the location is read-only\n$/);
  assert.deepEqual(server.seen.map((d) => d.spec?.target.kind).sort(), ['BackupResourceList', 'BackupResults', 'BackupVolumeInfos']);
  assert.ok(server.seen.every((d) => d.metadata.name?.startsWith('b1-')), 'requests are named <backup>-<uuid>');
  assert.equal((await env.client.list(VeleroResources.downloadRequests, { namespace: env.ns })).items.length, 0, 'requests are deleted afterwards');
  const json = JSON.parse((await env.skiff('backup', 'describe', 'b1', '-o', 'json')).stdout) as Record<string, unknown>;
  assert.deepEqual(json['errors'], { namespaces: { shop: ['e1', 'e2'] } });
});

test('describe without a server: the counts the Backup records, one timeout and a clear warning', async (t) => {
  const env = await setup(t);
  await makeBackup(env, 'b1', { phase: 'Completed', warnings: 2, errors: 1, volumeSnapshotsAttempted: 2, volumeSnapshotsCompleted: 2 });
  await makeBackup(env, 'b2', { phase: 'Completed' });
  await env.client.create(VeleroResources.backups, newBackup('b3', env.ns, {}));
  const started = Date.now();
  const r = await env.skiff('backup', 'describe', '--timeout', '1s');
  assert.equal(r.code, 0, r.stderr);
  assert.ok(Date.now() - started < 5000, 'one timeout for the whole run, not one per file');
  assert.match(r.stderr, /^Warning: timed out after 1s waiting for the server to process the download request for the BackupResults of "b1": is the skiff \(or velero\) server running in namespace "cli-backup-\w+"\?/);
  const [b1, b2, b3] = r.stdout.split('\n\n\nName:');
  assert.match(b1 ?? '', /\nPhase:  Completed\n\nErrors:    1\nWarnings:  2\n\nNamespaces:/);
  assert.match(b1 ?? '', /\nBackup Volumes:\n  Velero-Native Snapshots: 2 of 2 snapshots completed successfully\n\n  CSI Snapshots: <none included>\n/);
  assert.match(b2 ?? '', /^ +b2\n/);
  // A backup the server never started cannot have files: nothing is asked for, velero's "not found" text shows.
  assert.match(b3 ?? '', /\nPhase:  New\n[\s\S]*\n  CSI Snapshots: <none included or not detectable>\n/);
  const missing = await env.skiff('backup', 'describe', 'nope');
  assert.equal(missing.stderr, 'An error occurred: backups.velero.io "nope" not found\n');
});
