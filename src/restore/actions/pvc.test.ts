/** velero.io/pvc and velero.io/change-pvc-node-selector, alone and in sequence. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../../kube/index.ts';
import { changePvcNodeSelectorAction, pvcAction } from './pvc.ts';
import { frozen, makeContext, pluginConfigMap, type TestContext } from './testing.ts';

const PLUGIN = 'velero.io/change-pvc-node-selector';
const SELECTED = 'volume.kubernetes.io/selected-node';
const STALE = {
  'pv.kubernetes.io/bind-completed': 'yes',
  'pv.kubernetes.io/bound-by-controller': 'yes',
  'volume.kubernetes.io/storage-provisioner': 'ebs.csi.aws.com',
  'volume.beta.kubernetes.io/storage-provisioner': 'ebs.csi.aws.com',
  [SELECTED]: 'old-node',
  'velero.io/volume-snapshot-name': 'vs',
  'velero.io/data-upload-name': 'du',
};
const pvc = (annotations: Record<string, string> = STALE, status?: object): KubeObject => frozen({
  apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'data', namespace: 'n', annotations: { ...annotations, keep: 'me' } },
  spec: { volumeName: 'pv-1', storageClassName: 'gp2' }, ...(status ? { status } : {}),
});
const node = (name: string): KubeObject => ({ apiVersion: 'v1', kind: 'Node', metadata: { name } });

test('pvc: stale binding/provisioning annotations removed, others kept; a bound claim brings its PV', async () => {
  const backedUp = pvc(STALE, { phase: 'Bound' });
  // The engine strips status before actions run; the backed-up claim still has it.
  const item = frozen({ ...backedUp, status: undefined });
  const r = await pvcAction.execute(item, makeContext(item, { itemFromBackup: backedUp }));
  assert.deepEqual(r.item.metadata.annotations, { keep: 'me' });
  assert.deepEqual(r.additionalItems, [{ group: '', resource: 'persistentvolumes', name: 'pv-1' }]);
});

test('pvc: no PV when the backed-up claim was not Bound or had no volume name', async () => {
  for (const backedUp of [pvc(STALE, { phase: 'Pending' }), pvc(STALE), frozen({ ...pvc(STALE, { phase: 'Bound' }), spec: {} })]) {
    const r = await pvcAction.execute(backedUp, makeContext(backedUp));
    assert.deepEqual(r.additionalItems, []);
  }
});

const withConfig = (item: KubeObject, mapping: Record<string, string> | undefined, nodes: string[] = []): TestContext =>
  makeContext(item, { objects: { configmaps: mapping ? [pluginConfigMap(PLUGIN, mapping)] : [], nodes: nodes.map(node) } });

/** velero.io/pvc then velero.io/change-pvc-node-selector, as the engine runs them. */
async function runBoth(item: KubeObject, ctx: TestContext): Promise<KubeObject> {
  const first = await pvcAction.execute(item, ctx);
  return (await changePvcNodeSelectorAction.execute(first.item, ctx)).item;
}

test('node selector: a mapped node that exists replaces the selected node', async () => {
  const item = pvc();
  const ctx = withConfig(item, { 'old-node': 'new-node' }, ['new-node']);
  const out = await runBoth(item, ctx);
  assert.deepEqual(out.metadata.annotations, { keep: 'me', [SELECTED]: 'new-node' });
  assert.deepEqual(ctx.warnings, []);
});

test('node selector: not mapped, or no ConfigMap: the selected node stays removed (current Velero)', async () => {
  for (const mapping of [{ 'some-other-node': 'new-node' }, undefined]) {
    const item = pvc();
    const out = await runBoth(item, withConfig(item, mapping, ['new-node', 'old-node']));
    assert.deepEqual(out.metadata.annotations, { keep: 'me' });
  }
});

test('node selector: a mapped node missing from the cluster removes the annotation with a warning', async () => {
  const item = pvc();
  const ctx = withConfig(item, { 'old-node': 'gone' }, ['new-node']);
  const out = await runBoth(item, ctx);
  assert.deepEqual(out.metadata.annotations, { keep: 'me' });
  assert.match(ctx.warnings.join('\n'), /node "gone" \(mapped from "old-node"\) does not exist/);
});

test('node selector alone (without velero.io/pvc before it) still removes an unmapped node', async () => {
  const item = pvc();
  const r = await changePvcNodeSelectorAction.execute(item, withConfig(item, undefined));
  assert.equal(r.item.metadata.annotations?.[SELECTED], undefined);
});

test('node selector: a claim without a selected node costs no ConfigMap lookup, even with two ConfigMaps', async () => {
  const item = pvc({});
  const ctx = makeContext(item, { objects: { configmaps: [pluginConfigMap(PLUGIN, {}, 'a'), pluginConfigMap(PLUGIN, {}, 'b')] } });
  assert.equal((await changePvcNodeSelectorAction.execute(item, ctx)).item, item);
  assert.deepEqual(ctx.cluster.calls, []);
  const pinned = pvc();
  await assert.rejects(changePvcNodeSelectorAction.execute(pinned, makeContext(pinned, { objects: { configmaps: [pluginConfigMap(PLUGIN, {}, 'a'), pluginConfigMap(PLUGIN, {}, 'b')] } })), /found 2 ConfigMaps/);
});
