/** `skiff backup delete`: one DeleteBackupRequest per backup, labelled as velero's CLI labels them. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { labelSafeName, newBackup, VeleroResources, type Backup, type DeleteBackupRequest } from '../../src/api/index.ts';
import { setup, type Env } from './cli-backup-helpers.ts';

async function backups(env: Env, ...names: string[]): Promise<Map<string, Backup>> {
  const out = new Map<string, Backup>();
  for (const n of names) {
    out.set(n, await env.client.create<Backup>(VeleroResources.backups, newBackup(n, env.ns, {}, { labels: { tier: n.startsWith('db') ? 'db' : 'web' } })));
  }
  return out;
}

async function requests(env: Env): Promise<DeleteBackupRequest[]> {
  return (await env.client.list<DeleteBackupRequest>(VeleroResources.deleteBackupRequests, { namespace: env.ns })).items;
}

const submitted = (n: string): string =>
  `Request to delete backup "${n}" submitted successfully.\nThe backup will be fully deleted after all associated data (disk snapshots, backup files, restores) are removed.\n`;

test('delete NAMES --confirm: a request per backup with generateName, name and uid labels; the Backup stays', async (t) => {
  const env = await setup(t);
  const long = `b-${'x'.repeat(70)}`;
  const made = await backups(env, 'web1', long);
  const r = await env.skiff('backup', 'delete', 'web1', long, '--confirm');
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, submitted('web1') + submitted(long));
  const dbrs = await requests(env);
  assert.equal(dbrs.length, 2);
  for (const [name, b] of made) {
    const dbr = dbrs.find((d) => d.spec?.backupName === name);
    assert.ok(dbr, name);
    assert.equal(dbr.metadata.generateName, `${name}-`);
    // The API server cuts a generateName base to 58 characters before adding its 5 random ones.
    assert.ok(dbr.metadata.name?.startsWith(`${name}-`.slice(0, 58)), dbr.metadata.name);
    assert.equal(dbr.metadata.labels?.['velero.io/backup-uid'], b.metadata.uid);
    assert.equal(dbr.metadata.labels?.['velero.io/backup-name'], labelSafeName(name));
  }
  assert.equal(labelSafeName(long).length, 63);
  assert.equal((await env.client.list(VeleroResources.backups, { namespace: env.ns })).items.length, 2, 'the server deletes backups, not the CLI');
});

test('delete --all, -l, "No backups found", and names that do not exist', async (t) => {
  const env = await setup(t);
  const none = await env.skiff('delete', 'backups', '--all', '--confirm');
  assert.equal(none.stdout, 'No backups found\n');
  assert.equal(none.code, 0);
  await backups(env, 'db1', 'db2', 'web1');
  const bySelector = await env.skiff('backup', 'delete', '-l', 'tier=db', '--confirm');
  assert.equal(bySelector.stdout, submitted('db1') + submitted('db2'));
  const all = await env.skiff('backup', 'delete', '--all', '--confirm');
  assert.equal(all.stdout, submitted('db1') + submitted('db2') + submitted('web1'));
  assert.equal((await requests(env)).length, 5);
  const partly = await env.skiff('backup', 'delete', 'web1', 'ghost', '--confirm');
  assert.equal(partly.code, 1);
  assert.equal(partly.stdout, submitted('web1'));
  assert.equal(partly.stderr, 'An error occurred: backups.velero.io "ghost" not found\n');
  const onlyMissing = await env.skiff('backup', 'delete', 'ghost', '--confirm');
  assert.equal(onlyMissing.code, 0, 'velero prints "No backups found" for names that do not exist');
  assert.equal(onlyMissing.stdout, 'No backups found\n');
});
