/**
 * Restores end to end: a Backup of the nginx example → the namespace and its volume deleted → a Restore
 * through the Skiff server → every object back, compared field by field in what the user controls; and the
 * bucket files Velero's layout has for a restore.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { gunzipSync } from 'node:zlib';
import { VeleroResources } from '../../src/api/index.ts';
import { Resources, type KubeObject } from '../../src/kube/index.ts';
import { waitFor } from '../support/cluster.ts';
import { deploySampleApp } from '../support/sample-app.ts';
import { startTestServer } from '../support/skiff-server.ts';
import { backUp, bodyOf, compareSnapshots, createRestore, deleteNamespace, readGz, snapshot } from '../support/restore.ts';

const APP_RESOURCES = [Resources.configMaps, Resources.secrets, Resources.services, Resources.persistentVolumeClaims, Resources.deployments, Resources.serviceAccounts];

test('the disaster drill: back up the nginx example, delete its namespace and volume, restore, and everything is back', async (t) => {
  const s = await startTestServer(t);
  const { client } = s.cluster;
  const ns = await deploySampleApp(client, t);
  const pv = `pv-${ns}-logs`;
  const before = await snapshot(client, [...APP_RESOURCES, Resources.namespaces, Resources.persistentVolumes], ns, (gr, o) => gr !== 'namespaces' && gr !== 'persistentvolumes' ? true : o.metadata.name === ns || o.metadata.name === pv);
  await backUp(s, 'drill', { includedNamespaces: [ns] });
  await deleteNamespace(client, ns);
  await client.delete(Resources.persistentVolumes, pv);
  await waitFor(async () => !(await client.getIfExists(Resources.persistentVolumes, pv)), { what: 'the PV to be gone' });

  const restore = await createRestore(client, s.namespace, 'drill-restore', { backupName: 'drill' });
  assert.equal(restore.status?.phase, 'Completed', JSON.stringify(restore.status));
  assert.equal(restore.status?.errors ?? 0, 0);
  assert.ok((restore.metadata.finalizers ?? []).includes('restores.velero.io/external-resources-finalizer'));
  await waitFor(async () => ((await client.get(Resources.persistentVolumeClaims, 'nginx-logs', { namespace: ns })).status as { phase?: string })?.phase === 'Bound', { what: 'the restored claim to bind' });
  await waitFor(async () => (await client.list(Resources.pods, { namespace: ns })).items.some((p) => (p.status as { phase?: string })?.phase === 'Running'), { what: 'the nginx pod to run' });
  const after = await snapshot(client, [...APP_RESOURCES, Resources.namespaces, Resources.persistentVolumes], ns, (gr, o) => gr !== 'namespaces' && gr !== 'persistentvolumes' ? true : o.metadata.name === ns || o.metadata.name === pv);
  assert.deepEqual(compareSnapshots(before, after), []);
  const deployment = await client.get(Resources.deployments, 'nginx-deployment', { namespace: ns });
  assert.equal(deployment.metadata.labels?.['velero.io/backup-name'], 'drill');
  assert.equal(deployment.metadata.labels?.['velero.io/restore-name'], 'drill-restore');

  // Velero's files for a restore, under restores/<name>/.
  const list = (await readGz(s, 'restores/drill-restore/restore-drill-restore-resource-list.json.gz')) as Record<string, string[]>;
  assert.deepEqual(list['v1/Namespace'], [`${ns}(created)`]);
  assert.deepEqual(list['v1/PersistentVolume'], [`${pv}(created)`]);
  assert.deepEqual(list['apps/v1/Deployment'], [`${ns}/nginx-deployment(created)`]);
  assert.deepEqual(await readGz(s, 'restores/drill-restore/restore-drill-restore-results.gz'), { errors: {}, warnings: {} });
  assert.deepEqual(await readGz(s, 'restores/drill-restore/drill-restore-volumeinfo.json.gz'), []);
  assert.deepEqual(await readGz(s, 'restores/drill-restore/restore-drill-restore-itemoperations.json.gz'), []);
  const log = gunzipSync(await bodyOf(s, 'restores/drill-restore/restore-drill-restore-logs.gz')).toString();
  assert.match(log, /Restore finished: \d+ created/);

  // Deleting the Restore removes its files, then the object.
  await client.delete(VeleroResources.restores, 'drill-restore', { namespace: s.namespace });
  await waitFor(async () => !(await client.getIfExists(VeleroResources.restores, 'drill-restore', { namespace: s.namespace })), { what: 'the restore to be deleted' });
  assert.deepEqual(await s.store.listRestores(), []);
});

test('restoring onto the live namespace: unset policy warns about what differs, update patches it back', async (t) => {
  const s = await startTestServer(t);
  const { client } = s.cluster;
  const ns = await deploySampleApp(client, t);
  await backUp(s, 'live', { includedNamespaces: [ns] });
  await client.patch(Resources.configMaps, 'nginx-conf', 'merge', { data: { changed: 'yes' } } as unknown as KubeObject, { namespace: ns });

  const none = await createRestore(client, s.namespace, 'live-none', { backupName: 'live', existingResourcePolicy: 'none' });
  assert.equal(none.status?.phase, 'Completed', JSON.stringify(none.status));
  assert.ok(Number(none.status?.warnings) >= 1);
  const cm = await client.get(Resources.configMaps, 'nginx-conf', { namespace: ns });
  assert.equal((cm.data as Record<string, string>).changed, 'yes', 'policy none leaves the object alone');
  const results = (await readGz(s, 'restores/live-none/restore-live-none-results.gz')) as { warnings: { namespaces?: Record<string, string[]> } };
  assert.ok(results.warnings.namespaces?.[ns]?.some((w) => w.includes('ConfigMap "nginx-conf" already exists')), JSON.stringify(results));

  const update = await createRestore(client, s.namespace, 'live-update', { backupName: 'live', existingResourcePolicy: 'update' });
  assert.equal(update.status?.phase, 'Completed', JSON.stringify(update.status));
  const patched = await client.get(Resources.configMaps, 'nginx-conf', { namespace: ns });
  assert.equal((patched.data as Record<string, string>).changed, undefined, 'policy update puts the backed-up version back');
  assert.equal(patched.metadata.labels?.['velero.io/restore-name'], 'live-update');
  const list = (await readGz(s, 'restores/live-update/restore-live-update-resource-list.json.gz')) as Record<string, string[]>;
  assert.ok(list['v1/ConfigMap']?.includes(`${ns}/nginx-conf(updated)`), JSON.stringify(list));
});
