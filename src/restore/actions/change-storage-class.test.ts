/** velero.io/change-storage-class on PVs, PVCs and StatefulSets. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../../kube/index.ts';
import { changeStorageClassAction } from './change-storage-class.ts';
import { frozen, makeContext, pluginConfigMap } from './testing.ts';

const PLUGIN = 'velero.io/change-storage-class';
const sc = (name: string): KubeObject => ({ apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass', metadata: { name } });
const objects = (data: Record<string, string>, classes = ['fast', 'cheap']) => ({
  configmaps: [pluginConfigMap(PLUGIN, data)],
  'storageclasses.storage.k8s.io': classes.map(sc),
});
const run = (item: KubeObject, data: Record<string, string>, classes?: string[]) =>
  changeStorageClassAction.execute(item, makeContext(item, { objects: objects(data, classes) }));

test('PVC and PV: spec.storageClassName mapped', async () => {
  for (const kind of ['PersistentVolumeClaim', 'PersistentVolume']) {
    const item = frozen({ kind, metadata: { name: 'x', namespace: kind === 'PersistentVolume' ? undefined : 'n' }, spec: { storageClassName: 'gp2' } });
    const r = await run(item, { gp2: 'fast' });
    assert.equal((r.item.spec as { storageClassName: string }).storageClassName, 'fast', kind);
  }
});

test('the legacy beta annotation is mapped along with the field (the API rejects a mismatch)', async () => {
  const item = frozen({ kind: 'PersistentVolumeClaim', metadata: { name: 'x', namespace: 'n', annotations: { 'volume.beta.kubernetes.io/storage-class': 'gp2' } }, spec: { storageClassName: 'gp2' } });
  const r = await run(item, { gp2: 'fast' });
  assert.equal(r.item.metadata.annotations?.['volume.beta.kubernetes.io/storage-class'], 'fast');
  assert.equal((r.item.spec as { storageClassName: string }).storageClassName, 'fast');
});

test('StatefulSet: every volumeClaimTemplate mapped on its own', async () => {
  const item = frozen({
    kind: 'StatefulSet', metadata: { name: 'db', namespace: 'n' },
    spec: { volumeClaimTemplates: [
      { metadata: { name: 'data' }, spec: { storageClassName: 'gp2' } },
      { metadata: { name: 'logs' }, spec: { storageClassName: 'standard' } },
      { metadata: { name: 'scratch' }, spec: {} },
    ] },
  });
  const r = await run(item, { gp2: 'fast', standard: 'cheap' });
  const classes = (r.item.spec as { volumeClaimTemplates: Array<{ spec: { storageClassName?: string } }> }).volumeClaimTemplates.map((t) => t.spec.storageClassName);
  assert.deepEqual(classes, ['fast', 'cheap', undefined]);
});

test('unmapped, empty or absent classes and no ConfigMap leave the item as is (no storage-class lookup)', async () => {
  for (const spec of [{ storageClassName: 'other' }, { storageClassName: '' }, {}]) {
    const item = frozen({ kind: 'PersistentVolumeClaim', metadata: { name: 'x', namespace: 'n' }, spec });
    const ctx = makeContext(item, { objects: objects({ gp2: 'fast' }) });
    assert.equal((await changeStorageClassAction.execute(item, ctx)).item, item);
    assert.deepEqual(ctx.cluster.calls, ['list configmaps velero']);
  }
  const item = frozen({ kind: 'PersistentVolumeClaim', metadata: { name: 'x', namespace: 'n' }, spec: { storageClassName: 'gp2' } });
  assert.equal((await changeStorageClassAction.execute(item, makeContext(item))).item, item);
});

test('a mapped class missing from the cluster fails the item, naming it', async () => {
  const item = frozen({ kind: 'PersistentVolumeClaim', metadata: { name: 'x', namespace: 'n' }, spec: { storageClassName: 'gp2' } });
  await assert.rejects(run(item, { gp2: 'missing' }), /storage class "missing" \(mapped from "gp2"/);
  const sts = frozen({ kind: 'StatefulSet', metadata: { name: 'db', namespace: 'n' }, spec: { volumeClaimTemplates: [{ spec: { storageClassName: 'gp2' } }] } });
  await assert.rejects(run(sts, { gp2: 'missing' }), /"missing"/);
});

test('more than one plugin ConfigMap is an error', async () => {
  const item = frozen({ kind: 'PersistentVolumeClaim', metadata: { name: 'x', namespace: 'n' }, spec: { storageClassName: 'gp2' } });
  const ctx = makeContext(item, { objects: { configmaps: [pluginConfigMap(PLUGIN, { gp2: 'fast' }, 'a'), pluginConfigMap(PLUGIN, { gp2: 'cheap' }, 'b')] } });
  await assert.rejects(changeStorageClassAction.execute(item, ctx), /found 2 ConfigMaps in namespace "velero"/);
});
