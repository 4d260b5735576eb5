/**
 * Backup sync on the real control plane and MinIO: a second, empty control plane finds every backup of a
 * shared bucket and restores one; Backups whose files are gone are removed; Velero's own bucket is synced
 * with its phases; broken backups in storage are skipped with a warning while the others sync.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { gzipSync } from 'node:zlib';
import { crdManifests, VeleroResources, type Backup, type BackupStorageLocation } from '../../src/api/index.ts';
import { applyCrds } from '../../src/cli/commands/install.ts';
import { KubeClient, Resources, type KubeObject } from '../../src/kube/index.ts';
import { DEFAULT_SERVER_CONFIG, startServer, type RunningServer } from '../../src/server/index.ts';
import { waitFor } from '../support/cluster.ts';
import { startIsolatedApiServer, type IsolatedApiServer } from '../support/api-server.ts';
import { locationObject, startTestServer, type TestServer } from '../support/skiff-server.ts';
import { backUp, createRestore } from '../support/restore.ts';
import { VELERO_BUCKET_URL } from '../fixtures/velero-bucket.ts';

/**
 * An empty control plane of its own (an API server on the test cluster's etcd, under a prefix of its own).
 * `stop` is the caller's to call, after whatever it runs against it has stopped.
 */
async function emptyControlPlane(): Promise<IsolatedApiServer> {
  const api = await startIsolatedApiServer('sync');
  try {
    await applyCrds(api.client, crdManifests(), { out: { write: () => true }, timeoutMs: 60_000 });
  } catch (err) {
    await api.stop();
    throw err;
  }
  return api;
}

/** Backups of a namespace, once each has the phase wanted. */
async function waitForBackups(client: KubeClient, namespace: string, want: Record<string, string>, what: string): Promise<Map<string, Backup>> {
  let found = new Map<string, Backup>();
  await waitFor(
    async () => {
      found = new Map((await client.list<Backup>(VeleroResources.backups, { namespace })).items.map((b) => [b.metadata.name!, b]));
      return Object.entries(want).every(([name, phase]) => found.get(name)?.status?.phase === phase);
    },
    { what, timeoutMs: 60_000, intervalMs: 250 },
  );
  return found;
}

function assertSynced(b: Backup | undefined, namespace: string, location: string): void {
  assert.ok(b);
  assert.equal(b.metadata.namespace, namespace);
  assert.equal(b.spec?.storageLocation, location);
  assert.equal(b.metadata.labels?.['velero.io/storage-location'], location);
}

/** Writes a backup's velero-backup.json (and optional PodVolumeBackups) straight into the bucket. */
async function putBackup(s: TestServer, name: string, metadata: Record<string, unknown> | string, podVolumeBackups?: unknown[]): Promise<void> {
  const body = typeof metadata === 'string' ? metadata : JSON.stringify(metadata, null, 2);
  await s.objectStore.putObject(`${s.prefix}/backups/${name}/velero-backup.json`, body);
  if (podVolumeBackups) await s.objectStore.putObject(`${s.prefix}/backups/${name}/${name}-podvolumebackups.json.gz`, gzipSync(`${JSON.stringify(podVolumeBackups)}\n`));
}

const fixtureBackup = async (name: string): Promise<Record<string, unknown> & { metadata: Record<string, unknown>; status: Record<string, unknown> }> =>
  JSON.parse(await readFile(new URL(`backups/${name}/velero-backup.json`, VELERO_BUCKET_URL), 'utf8'));

test('a second, empty control plane finds every backup of the bucket, restores one, and drops a backup whose files are gone', async (t) => {
  const s = await startTestServer(t);
  const ns = await s.cluster.namespace(t, 'sync');
  for (let i = 0; i < 3; i++) await s.cluster.client.create(Resources.configMaps, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `cm-${i}`, namespace: ns }, data: { i: String(i) } });
  const r = randomBytes(3).toString('hex');
  const [a, b, c] = [`sync-a-${r}`, `sync-b-${r}`, `sync-c-${r}`];
  for (const name of [a, b, c]) await backUp(s, name, { includedNamespaces: [ns], includedResources: ['namespaces', 'configmaps'] });

  const second = await emptyControlPlane();
  let server: RunningServer | undefined;
  // The server first, then the API server it talks to.
  t.after(async () => {
    await server?.stop();
    await second.stop();
  });
  const serverNs = 'velero';
  await second.client.create(Resources.namespaces, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: serverNs } });
  await second.client.create(VeleroResources.backupStorageLocations, locationObject(serverNs, 'primary', s.cluster.state.s3.endpoint, s.bucket, s.prefix));
  const logs: string[] = [];
  server = await startServer({
    config: { ...DEFAULT_SERVER_CONFIG, namespace: serverNs, kubeconfig: second.kubeconfig, storeValidationFrequencyMs: 1000, backupSyncPeriodMs: 1000, logLevel: 'debug', metricsAddress: '127.0.0.1:0' },
    env: { AWS_SHARED_CREDENTIALS_FILE: s.cluster.state.s3.credentialsFile },
    write: (line) => void logs.push(line),
  });

  const synced = await waitForBackups(second.client, serverNs, { [a]: 'Completed', [b]: 'Completed', [c]: 'Completed' }, 'the backups to be synced into the new control plane');
  for (const name of [a, b, c]) assertSynced(synced.get(name), serverNs, 'primary');
  const original = await s.cluster.client.get<Backup>(VeleroResources.backups, a, { namespace: s.namespace });
  assert.notEqual(synced.get(a)?.metadata.uid, original.metadata.uid, 'a new object');
  assert.deepEqual(synced.get(a)?.status?.progress, original.status?.progress, 'with the status it was written with');
  const bsl = await second.client.get<BackupStorageLocation>(VeleroResources.backupStorageLocations, 'primary', { namespace: serverNs });
  assert.ok(bsl.status?.lastSyncedTime, 'the location records its sync');

  // The synced backup restores into the new control plane.
  const restore = await createRestore(second.client, serverNs, `${a}-r`, { backupName: a });
  assert.equal(restore.status?.phase, 'Completed', JSON.stringify(restore.status));
  const restored = await second.client.list(Resources.configMaps, { namespace: ns });
  for (let i = 0; i < 3; i++) assert.deepEqual(restored.items.find((cm) => cm.metadata.name === `cm-${i}`)?.data, { i: String(i) }, `cm-${i}`);

  // Files removed behind the cluster's back: the Backup goes, the others stay.
  await s.store.deleteBackup(b);
  await waitFor(async () => (await second.client.getIfExists(VeleroResources.backups, b, { namespace: serverNs })) === undefined, { what: `backup ${b} to be removed as an orphan` });
  assert.ok(await second.client.getIfExists(VeleroResources.backups, a, { namespace: serverNs }));
  assert.ok(await second.client.getIfExists(VeleroResources.backups, c, { namespace: serverNs }));
  assert.ok(logs.some((l) => l.includes(`backup ${b} is gone from location primary`)));
});

test("Velero's own bucket syncs with the phases of its files, PodVolumeBackups included; finishing and unfinished backups wait", async (t) => {
  // No GC: the fixture's backups expire one day, and must not be deleted from under the test then.
  const s = await startTestServer(t, { backupSyncPeriodMs: 1000, disabledControllers: ['gc'] });
  const { client } = s.cluster;
  for (const name of ['nginx-backup', 'mixed-backup']) {
    const dir = new URL(`backups/${name}/`, VELERO_BUCKET_URL);
    for (const file of await readdir(dir)) await s.objectStore.putObject(`${s.prefix}/backups/${name}/${file}`, await readFile(new URL(file, dir)));
  }
  const template = await fixtureBackup('nginx-backup');
  const variant = (name: string, status: Record<string, unknown>): Record<string, unknown> => ({ ...template, metadata: { ...template.metadata, name }, status: { ...template.status, ...status } });
  const past = '2026-01-01T00:00:00Z';
  const future = '2999-01-01T00:00:00Z';
  await putBackup(s, 'finishing-expired', variant('finishing-expired', { phase: 'Finalizing', expiration: past }));
  await putBackup(s, 'finishing', variant('finishing', { phase: 'WaitingForPluginOperations', expiration: future }));
  await putBackup(s, 'never-finished', variant('never-finished', { phase: 'InProgress', expiration: future }));
  const pvb = {
    metadata: {
      name: 'with-pvb-x1',
      namespace: 'velero',
      uid: 'old-pvb',
      labels: { 'velero.io/backup-name': 'with-pvb', 'velero.io/backup-uid': 'old-uid' },
      ownerReferences: [{ apiVersion: 'velero.io/v1', kind: 'Backup', name: 'with-pvb', uid: 'old-uid', controller: true }],
    },
    spec: { node: 'node-1', volume: 'data', backupStorageLocation: 'elsewhere', uploaderType: 'kopia', pod: { kind: 'Pod', namespace: 'app', name: 'web-0' } },
    status: { phase: 'Completed', snapshotID: 'f00d' },
  };
  await putBackup(s, 'with-pvb', variant('with-pvb', { phase: 'PartiallyFailed', expiration: future }), [pvb]);

  const synced = await waitForBackups(
    client,
    s.namespace,
    { 'nginx-backup': 'Completed', 'mixed-backup': 'Completed', 'finishing-expired': 'PartiallyFailed', 'with-pvb': 'PartiallyFailed' },
    'the fixture backups to be synced',
  );
  for (const name of ['nginx-backup', 'mixed-backup', 'finishing-expired', 'with-pvb']) assertSynced(synced.get(name), s.namespace, s.location);
  const nginx = synced.get('nginx-backup')!;
  assert.notEqual(nginx.metadata.uid, template.metadata.uid);
  assert.equal(nginx.status?.expiration, template.status.expiration);
  assert.equal(nginx.metadata.annotations?.['velero.io/source-cluster-k8s-gitversion'], 'v1.34.4');

  const withPvb = synced.get('with-pvb')!;
  let imported: KubeObject | undefined;
  await waitFor(async () => (imported = await client.getIfExists(VeleroResources.podVolumeBackups, 'with-pvb-x1', { namespace: s.namespace })) !== undefined, { what: 'the PodVolumeBackup to be synced' });
  assert.equal(imported?.metadata.labels?.['velero.io/backup-uid'], withPvb.metadata.uid);
  assert.equal(imported?.metadata.ownerReferences?.[0]?.uid, withPvb.metadata.uid);
  assert.equal((imported?.spec as { backupStorageLocation?: string }).backupStorageLocation, s.location);
  assert.deepEqual(imported?.status, pvb.status);

  await waitFor(async () => s.logs.some((l) => l.includes('backup never-finished in location default is not synced')), { what: 'the warning about the unfinished backup' });
  assert.equal(await client.getIfExists(VeleroResources.backups, 'finishing', { namespace: s.namespace }), undefined, 'still finishing elsewhere: not yet');
  assert.equal(await client.getIfExists(VeleroResources.backups, 'never-finished', { namespace: s.namespace }), undefined);
});

test('a corrupt or missing velero-backup.json is skipped with a warning, the others sync; an empty listing removes nothing', async (t) => {
  const s = await startTestServer(t, { backupSyncPeriodMs: 1000, disabledControllers: ['gc'] });
  const { client } = s.cluster;
  const template = await fixtureBackup('nginx-backup');
  await putBackup(s, 'corrupt', '{"kind": "Backup", "apiVersion": "velero.io/v1", "metadata": {');
  await putBackup(s, 'not-a-backup', JSON.stringify({ kind: 'ConfigMap', apiVersion: 'v1', metadata: { name: 'not-a-backup' } }));
  await s.objectStore.putObject(`${s.prefix}/backups/logs-only/logs-only-logs.gz`, gzipSync('a failed backup keeps its log\n'));
  for (const name of ['good-1', 'good-2']) await putBackup(s, name, { ...template, metadata: { ...template.metadata, name } });

  await waitForBackups(client, s.namespace, { 'good-1': 'Completed', 'good-2': 'Completed' }, 'the good backups to be synced');
  for (const [name, text] of [['corrupt', 'is not synced'], ['not-a-backup', 'is not synced'], ['logs-only', 'has no velero-backup.json']] as const) {
    await waitFor(async () => s.logs.some((l) => l.includes('level=warning') && l.includes(`backup ${name} in location default ${text}`)), { what: `the warning about ${name}` });
    assert.equal(await client.getIfExists(VeleroResources.backups, name, { namespace: s.namespace }), undefined, name);
  }
  const warnings = s.logs.filter((l) => l.includes('level=warning') && l.includes('backup corrupt in location')).length;
  await waitFor(async () => s.logs.filter((l) => l.includes('location default synced')).length >= 3, { what: 'more syncs' });
  assert.equal(s.logs.filter((l) => l.includes('level=warning') && l.includes('backup corrupt in location')).length, warnings, 'warned once, not every period');

  // Storage that lists nothing at all looks like a wrong prefix as much as an empty location: nothing is removed.
  for await (const o of s.objectStore.listObjects(`${s.prefix}/`)) await s.objectStore.deleteObject(o.key);
  await waitFor(async () => s.logs.some((l) => l.includes('location default lists no backups, yet 2 finished Backup(s)')), { what: 'the warning about an empty listing' });
  assert.ok(await client.getIfExists(VeleroResources.backups, 'good-1', { namespace: s.namespace }));
  assert.ok(await client.getIfExists(VeleroResources.backups, 'good-2', { namespace: s.namespace }));
});
