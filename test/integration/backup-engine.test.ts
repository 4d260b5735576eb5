/** The backup engine against the real control plane: collection, filters, related items, volume info. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { KubeClient, Resources, type KubeObject } from '../../src/kube/index.ts';
import { OperationLog, prepareBackup, runBackup, type ArchiveItem, type BackupLike, type LocationLike } from '../../src/backup/index.ts';
import { testCluster } from '../support/cluster.ts';
import { deploySampleApp } from '../support/sample-app.ts';

const LOCATION: LocationLike = { metadata: { name: 'default', namespace: 'velero' }, spec: { provider: 'aws', objectStorage: { bucket: 'b' } }, status: { phase: 'Available' } };

async function backUp(client: KubeClient, spec: BackupLike['spec']): Promise<{ items: ArchiveItem[]; list: Record<string, string[]>; log: OperationLog; volumeInfo: unknown[] }> {
  const namespaces = (await client.list(Resources.namespaces)).items;
  const version = await client.serverVersion();
  await client.discovery.refresh();
  const prepared = prepareBackup({ apiVersion: 'velero.io/v1', kind: 'Backup', metadata: { name: 'b', namespace: 'velero' }, spec }, { locations: [LOCATION], discovery: client.discovery, namespaces, serverVersion: version, now: new Date() });
  assert.ok(prepared.ok, JSON.stringify(prepared));
  const items: ArchiveItem[] = [];
  const log = new OperationLog({ subject: 'backup=velero/b' });
  const out = await runBackup({ client }, { backup: prepared.backup, request: prepared.request, log, write: async (i) => void items.push(i) });
  assert.equal(out.itemsBackedUp, items.length);
  return { items, list: out.resourceList, log, volumeInfo: out.volumeInfo };
}

test('the nginx example by label selector: every object of the app, its PV, and nothing else', async (t) => {
  const { client } = await testCluster();
  const ns = await deploySampleApp(client, t);
  const { list, items, log, volumeInfo } = await backUp(client, { includedNamespaces: [ns], labelSelector: { matchLabels: { app: 'nginx' } } });
  const kinds = Object.keys(list).sort();
  for (const k of ['apps/v1/Deployment', 'apps/v1/ReplicaSet', 'v1/ConfigMap', 'v1/Namespace', 'v1/PersistentVolume', 'v1/PersistentVolumeClaim', 'v1/Pod', 'v1/Secret', 'v1/Service']) {
    assert.ok(kinds.includes(k), `${k} in ${kinds.join(', ')}`);
  }
  assert.deepEqual(list['v1/PersistentVolume'], [`pv-${ns}-logs`]);
  assert.deepEqual(list['v1/ConfigMap'], [`${ns}/nginx-conf`], 'kube-root-ca.crt has no app label');
  assert.deepEqual(list['v1/Namespace'], [ns]);
  for (const names of Object.values(list)) for (const n of names) assert.ok(n === `pv-${ns}-logs` || n === ns || n.startsWith(`${ns}/`), n);
  assert.equal(log.errors, 0);
  const pvc = items.find((i) => i.groupResource === 'persistentvolumeclaims')!;
  assert.equal(pvc.preferred, true);
  assert.equal(pvc.version, 'v1');
  assert.deepEqual(volumeInfo, [{
    pvcName: 'nginx-logs', pvcNamespace: ns, pvName: `pv-${ns}-logs`, snapshotDataMoved: false, preserveLocalSnapshot: false, skipped: true,
    skippedReason: `podvolume: opted out due to annotation in pod ${(items.find((i) => i.groupResource === 'pods')!.object as KubeObject).metadata.name};volumeSnapshot: no applicable volumesnapshotter found;`,
    pvInfo: { reclaimPolicy: 'Retain', labels: { app: 'nginx' } },
  }]);
});
