/**
 * Garbage collection and deletion on the real control plane and MinIO: expired backups go with their files
 * and the restores made from them (and those restores' files); a backup on a read-only location stays,
 * labelled with the reason, and a request to delete it is refused.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { formatKubeTime, newDeleteBackupRequest, VeleroResources, type Backup, type DeleteBackupRequest } from '../../src/api/index.ts';
import { Resources, type KubeClient, type KubeObject } from '../../src/kube/index.ts';
import { BackupStore, type ObjectStore } from '../../src/storage/index.ts';
import { waitFor } from '../support/cluster.ts';
import { awsConfig, startTestServer, waitForBackup, type TestServer } from '../support/skiff-server.ts';
import { backUp, createRestore } from '../support/restore.ts';
import { run, testContext } from '../../src/cli/testing.ts';

async function keysUnder(store: ObjectStore, prefix: string): Promise<string[]> {
  const keys: string[] = [];
  for await (const o of store.listObjects(prefix)) keys.push(o.key);
  return keys;
}

async function configMaps(client: KubeClient, ns: string, n: number): Promise<void> {
  for (let i = 0; i < n; i++) await client.create(Resources.configMaps, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `cm-${i}`, namespace: ns }, data: { i: String(i) } });
}

/** Makes a finished backup expire in a moment (GC is woken at the expiration, not at its next period). */
async function expireSoon(s: TestServer, name: string): Promise<void> {
  const at = formatKubeTime(new Date(Date.now() + 1000));
  await s.cluster.client.patch(VeleroResources.backups, name, 'merge', { status: { expiration: at } } as unknown as KubeObject, { namespace: s.namespace });
}

const gone = (client: KubeClient, ref: typeof VeleroResources.backups, name: string, namespace: string) => async (): Promise<boolean> =>
  (await client.getIfExists(ref, name, { namespace })) === undefined;

test('an expired backup is deleted with its files, its restores and their files', async (t) => {
  const s = await startTestServer(t, { garbageCollectionFrequencyMs: 1000 });
  const { client } = s.cluster;
  const ns = await s.cluster.namespace(t, 'gc');
  await configMaps(client, ns, 3);
  const r = randomBytes(3).toString('hex');

  // A TTL of seconds: nothing but the TTL makes it go.
  const short = `ttl-${r}`;
  await client.create(VeleroResources.backups, { apiVersion: 'velero.io/v1', kind: 'Backup', metadata: { name: short, namespace: s.namespace }, spec: { includedNamespaces: [ns], ttl: '3s' } });
  await waitFor(gone(client, VeleroResources.backups, short, s.namespace), { what: `backup ${short} to be garbage-collected`, timeoutMs: 120_000 });
  assert.ok(s.logs.some((l) => l.includes(`backup ${short} Completed`)), 'it had completed');
  assert.ok(s.logs.some((l) => l.includes(`backup ${short} expired at`)), 'GC requested its deletion');
  assert.deepEqual(await keysUnder(s.objectStore, `${s.prefix}/backups/${short}/`), []);

  // A backup with a restore: both go, and the restore's files too.
  const withRestore = `kept-${r}`;
  await backUp(s, withRestore, { includedNamespaces: [ns], ttl: '1h' });
  const restore = await createRestore(client, s.namespace, `${withRestore}-r`, { backupName: withRestore, namespaceMapping: { [ns]: `${ns}-copy` } });
  t.after(() => client.delete(Resources.namespaces, `${ns}-copy`).catch(() => undefined));
  assert.equal(restore.status?.phase, 'Completed', JSON.stringify(restore.status));
  assert.notDeepEqual(await keysUnder(s.objectStore, `${s.prefix}/restores/${withRestore}-r/`), []);
  await expireSoon(s, withRestore);
  await waitFor(gone(client, VeleroResources.backups, withRestore, s.namespace), { what: `backup ${withRestore} to be garbage-collected`, timeoutMs: 120_000 });
  assert.equal(await client.getIfExists(VeleroResources.restores, `${withRestore}-r`, { namespace: s.namespace }), undefined, 'its restore went first');
  assert.deepEqual(await keysUnder(s.objectStore, `${s.prefix}/backups/${withRestore}/`), []);
  assert.deepEqual(await keysUnder(s.objectStore, `${s.prefix}/restores/${withRestore}-r/`), []);
  // A fully deleted backup leaves no requests behind.
  const left = (await client.list<DeleteBackupRequest>(VeleroResources.deleteBackupRequests, { namespace: s.namespace })).items;
  assert.deepEqual(left.map((d) => d.spec?.backupName), []);
});

test('an expired backup on a read-only location stays, labelled BSLReadOnly, and a request to delete it is refused', async (t) => {
  const s = await startTestServer(t, { garbageCollectionFrequencyMs: 1000 });
  const { client } = s.cluster;
  const ns = await s.cluster.namespace(t, 'gc-ro');
  await configMaps(client, ns, 2);
  const prefix = 'ro-root';
  await client.create(VeleroResources.backupStorageLocations, {
    apiVersion: 'velero.io/v1',
    kind: 'BackupStorageLocation',
    metadata: { name: 'archive', namespace: s.namespace },
    spec: { provider: 'aws', objectStorage: { bucket: s.bucket, prefix }, config: awsConfig(s.cluster.state.s3.endpoint) },
  });
  await waitFor(async () => (await client.get<KubeObject & { status?: { phase?: string } }>(VeleroResources.backupStorageLocations, 'archive', { namespace: s.namespace })).status?.phase === 'Available', {
    what: 'location archive to become Available',
  });
  const name = `ro-${randomBytes(3).toString('hex')}`;
  await client.create(VeleroResources.backups, { apiVersion: 'velero.io/v1', kind: 'Backup', metadata: { name, namespace: s.namespace }, spec: { includedNamespaces: [ns], storageLocation: 'archive', ttl: '1h' } });
  assert.equal((await waitForBackup(client, s.namespace, name)).status?.phase, 'Completed');
  await client.patch(VeleroResources.backupStorageLocations, 'archive', 'merge', { spec: { accessMode: 'ReadOnly' } } as unknown as KubeObject, { namespace: s.namespace });

  await expireSoon(s, name);
  await waitFor(async () => (await client.get<Backup>(VeleroResources.backups, name, { namespace: s.namespace })).metadata.labels?.['velero.io/gc-failure'] === 'BSLReadOnly', {
    what: `backup ${name} to be labelled velero.io/gc-failure=BSLReadOnly`,
    timeoutMs: 60_000,
  });
  assert.ok(s.logs.some((l) => l.includes(`expired backup ${name} is not deleted`) && l.includes('read-only')), 'the reason is logged');
  const backup = await client.get<Backup>(VeleroResources.backups, name, { namespace: s.namespace });
  assert.equal(backup.status?.phase, 'Completed');
  const store = new BackupStore(s.objectStore, { bucket: s.bucket, prefix });
  assert.equal(await store.backupExists(name), true, 'its files stay');
  assert.deepEqual((await client.list(VeleroResources.deleteBackupRequests, { namespace: s.namespace })).items, [], 'GC asked for no deletion');

  // Asked explicitly, the server refuses too, and says why.
  await client.create(VeleroResources.deleteBackupRequests, newDeleteBackupRequest(`${name}-manual`, s.namespace, { backupName: name }));
  let request: DeleteBackupRequest | undefined;
  await waitFor(
    async () => {
      request = await client.get<DeleteBackupRequest>(VeleroResources.deleteBackupRequests, `${name}-manual`, { namespace: s.namespace });
      return request.status?.phase === 'Processed';
    },
    { what: 'the delete request to be processed' },
  );
  assert.match(String(request?.status?.errors), /backup storage location "archive" is read-only/);
  assert.equal((await client.get<Backup>(VeleroResources.backups, name, { namespace: s.namespace })).status?.phase, 'Completed');
  assert.equal(await store.backupExists(name), true);
});

test('skiff backup delete: the server deletes that backup only, with its files and restores; a request for a missing backup is refused', async (t) => {
  const s = await startTestServer(t);
  const { client } = s.cluster;
  const ns = await s.cluster.namespace(t, 'del');
  await configMaps(client, ns, 2);
  const name = `del-${randomBytes(3).toString('hex')}`;
  await backUp(s, name, { includedNamespaces: [ns] });
  await backUp(s, `${name}-other`, { includedNamespaces: [ns] });
  const restore = await createRestore(client, s.namespace, `${name}-r`, { backupName: name, namespaceMapping: { [ns]: `${ns}-copy` } });
  t.after(() => client.delete(Resources.namespaces, `${ns}-copy`).catch(() => undefined));
  assert.equal(restore.status?.phase, 'Completed');

  const out = await run(['-n', s.namespace, 'backup', 'delete', name, '--confirm'], testContext({ env: { KUBECONFIG: s.cluster.kubeconfig } }));
  assert.equal(out.code, 0, out.stderr);
  await waitFor(gone(client, VeleroResources.backups, name, s.namespace), { what: `backup ${name} to be deleted`, timeoutMs: 120_000 });
  assert.equal(await client.getIfExists(VeleroResources.restores, `${name}-r`, { namespace: s.namespace }), undefined);
  assert.deepEqual(await keysUnder(s.objectStore, `${s.prefix}/backups/${name}/`), []);
  assert.deepEqual(await keysUnder(s.objectStore, `${s.prefix}/restores/${name}-r/`), []);
  assert.equal(await s.store.backupExists(`${name}-other`), true, 'only that backup');
  assert.ok(await client.getIfExists(VeleroResources.backups, `${name}-other`, { namespace: s.namespace }));
  await waitFor(async () => (await client.list(VeleroResources.deleteBackupRequests, { namespace: s.namespace })).items.length === 0, { what: 'the finished request to be cleaned up' });

  // A request for a backup that does not exist is refused, naming it.
  await client.create(VeleroResources.deleteBackupRequests, newDeleteBackupRequest('ghost-req', s.namespace, { backupName: 'ghost' }));
  await waitFor(async () => (await client.get<DeleteBackupRequest>(VeleroResources.deleteBackupRequests, 'ghost-req', { namespace: s.namespace })).status?.phase === 'Processed', { what: 'the request for ghost' });
  assert.deepEqual((await client.get<DeleteBackupRequest>(VeleroResources.deleteBackupRequests, 'ghost-req', { namespace: s.namespace })).status?.errors, ['backup ghost not found']);
});

test('a backup still waiting to run (New) can be deleted without touching storage', async (t) => {
  // Without the backup controller a new backup waits forever: the state of one stuck behind a long queue.
  const s = await startTestServer(t, { disabledControllers: ['backup'] });
  const { client } = s.cluster;
  // A file under the same name in storage is not this backup's (it never ran): it must stay.
  const foreign = `${s.prefix}/backups/waiting/waiting-logs.gz`;
  await s.objectStore.putObject(foreign, Buffer.from('not written by this backup'));
  await client.create(VeleroResources.backups, { apiVersion: 'velero.io/v1', kind: 'Backup', metadata: { name: 'waiting', namespace: s.namespace }, spec: { includedNamespaces: ['kube-public'] } });
  await client.create(VeleroResources.deleteBackupRequests, newDeleteBackupRequest('waiting-req', s.namespace, { backupName: 'waiting' }));
  await waitFor(gone(client, VeleroResources.backups, 'waiting', s.namespace), { what: 'the waiting backup to be deleted', timeoutMs: 60_000 });
  assert.deepEqual(await keysUnder(s.objectStore, `${s.prefix}/backups/waiting/`), [foreign]);
});
