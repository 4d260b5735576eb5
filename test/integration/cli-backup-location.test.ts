/** `skiff backup-location create|get|set|delete` against the real API server: the default handover and the delete cascade. */
import assert from 'node:assert/strict';
import { writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { newBackup, newBackupRepository, VeleroResources, type BackupStorageLocation } from '../../src/api/index.ts';
import { setup, type Env } from './cli-backup-helpers.ts';

async function location(env: Env, name: string): Promise<BackupStorageLocation> {
  return env.client.get<BackupStorageLocation>(VeleroResources.backupStorageLocations, name, { namespace: env.ns });
}

test('create and get: the object velero would create; the table; --default only one; -o creates nothing', async (t) => {
  const env = await setup(t);
  const created = await env.skiff('backup-location', 'create', 'main', '--provider', 'aws', '--bucket', 'velero', '--prefix', 'a', '--config', 'region=eu-west-1', '--default');
  assert.equal(created.code, 0, created.stderr);
  assert.equal(created.stdout, 'Backup storage location "main" configured successfully.\n');
  const main = await location(env, 'main');
  assert.deepEqual(main.spec, { provider: 'aws', config: { region: 'eu-west-1' }, objectStorage: { bucket: 'velero', prefix: 'a' }, default: true, accessMode: 'ReadWrite' });
  const second = await env.skiff('create', 'backup-location', 'second', '--provider', 'gcp', '--bucket', 'b2', '--default');
  assert.equal(second.code, 1);
  assert.match(second.stderr, /^An error occurred: backup storage location "main" is already the default; make it not the default first/);
  assert.equal(await env.client.getIfExists(VeleroResources.backupStorageLocations, 'second', { namespace: env.ns }), undefined);
  assert.equal((await env.skiff('backup-location', 'create', 'second', '--provider', 'gcp', '--bucket', 'b2', '--access-mode', 'ReadOnly', '--labels', 'tier=cold')).code, 0);
  const printed = await env.skiff('backup-location', 'create', 'third', '--provider', 'aws', '--bucket', 'b3', '-o', 'yaml');
  assert.match(printed.stdout, /^apiVersion: velero\.io\/v1\nkind: BackupStorageLocation\n/);
  assert.equal(await env.client.getIfExists(VeleroResources.backupStorageLocations, 'third', { namespace: env.ns }), undefined);
  const table = await env.skiff('get', 'backup-locations');
  assert.equal(
    table.stdout,
    [
      'NAME     PROVIDER   BUCKET/PREFIX   PHASE     LAST VALIDATED   ACCESS MODE   DEFAULT',
      'main     aws        velero/a        Unknown   Unknown          ReadWrite     true',
      'second   gcp        b2              Unknown   Unknown          ReadOnly',
      '',
    ].join('\n'),
  );
  assert.match((await env.skiff('backup-location', 'get', '--default')).stdout, /\nmain +aws .*true\n$/);
  assert.match((await env.skiff('backup-location', 'get', '-l', 'tier=cold')).stdout, /\nsecond +gcp/);
  const missing = await env.skiff('backup-location', 'get', 'nope');
  assert.equal(missing.stderr, 'An error occurred: backupstoragelocations.velero.io "nope" not found\n');
});

test('set: --default hands the default over; --cacert and --credential; --default=false', async (t) => {
  const env = await setup(t);
  for (const [name, extra] of [['a', ['--default']], ['b', []]] as const) {
    assert.equal((await env.skiff('backup-location', 'create', name, '--provider', 'aws', '--bucket', name, ...extra)).code, 0);
  }
  const set = await env.skiff('backup-location', 'set', 'b', '--default');
  assert.equal(set.stdout, 'Backup storage location "b" configured successfully.\n');
  assert.equal((await location(env, 'a')).spec?.default, false);
  assert.equal((await location(env, 'b')).spec?.default, true);
  const dir = mkdtempSync(join(tmpdir(), 'skiff-bsl-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'ca.pem'), 'PEM');
  assert.equal((await env.skiff('backup-location', 'set', 'a', '--cacert', join(dir, 'ca.pem'), '--credential', 'creds=cloud')).code, 0);
  const a = await location(env, 'a');
  assert.equal(a.spec?.objectStorage.caCert, Buffer.from('PEM').toString('base64'));
  assert.equal(a.spec?.objectStorage.bucket, 'a', 'the rest of objectStorage is kept');
  assert.deepEqual(a.spec?.credential, { name: 'creds', key: 'cloud' });
  assert.equal(a.spec?.default, false);
  assert.equal((await env.skiff('backup-location', 'set', 'b', '--default=false')).code, 0);
  assert.equal((await location(env, 'b')).spec?.default, false);
  const gone = await env.skiff('backup-location', 'set', 'zzz', '--default');
  assert.equal(gone.stderr, 'An error occurred: backupstoragelocations.velero.io "zzz" not found\n');
});

test('delete: the location, then its Backups and BackupRepositories by label; others and the bucket are untouched', async (t) => {
  const env = await setup(t);
  for (const name of ['old', 'keep']) assert.equal((await env.skiff('backup-location', 'create', name, '--provider', 'aws', '--bucket', name)).code, 0);
  const label = (bsl: string) => ({ labels: { 'velero.io/storage-location': bsl } });
  await env.client.create(VeleroResources.backups, newBackup('b-old', env.ns, { storageLocation: 'old' }, label('old')));
  await env.client.create(VeleroResources.backups, newBackup('b-keep', env.ns, { storageLocation: 'keep' }, label('keep')));
  await env.client.create(
    VeleroResources.backupRepositories,
    newBackupRepository('shop-old-kopia', env.ns, { volumeNamespace: 'shop', backupStorageLocation: 'old', repositoryType: 'kopia', maintenanceFrequency: '1h0m0s' }, label('old')),
  );
  const refused = await env.skiff('backup-location', 'delete', 'old');
  assert.equal(refused.code, 1, 'no terminal, no --confirm');
  const r = await env.skiff('backup-location', 'delete', 'old', '--confirm');
  assert.equal(r.code, 0, r.stderr);
  assert.equal(
    r.stdout,
    'Backup storage location "old" deleted successfully.\n' +
      'Backup associated with deleted BSL(s) "b-old" deleted successfully.\n' +
      'Backup repository associated with deleted BSL(s) "shop-old-kopia" deleted successfully.\n',
  );
  const names = async (ref: typeof VeleroResources.backups) => (await env.client.list(ref, { namespace: env.ns })).items.map((i) => i.metadata.name);
  assert.deepEqual(await names(VeleroResources.backupStorageLocations), ['keep']);
  assert.deepEqual(await names(VeleroResources.backups), ['b-keep']);
  assert.deepEqual(await names(VeleroResources.backupRepositories), []);
  assert.equal((await env.skiff('backup-location', 'delete', '--all', '--confirm')).stdout, 'Backup storage location "keep" deleted successfully.\nBackup associated with deleted BSL(s) "b-keep" deleted successfully.\n');
  assert.equal((await env.skiff('delete', 'backup-location', '--all', '--confirm')).stdout, 'No backup-locations found\n');
});
