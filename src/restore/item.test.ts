/**
 * Per-item rules before a CREATE (velero-behaviour.md §2.5, velero-interfaces.md §1.2): which objects are
 * skipped, which metadata is stripped, status, restore labels, PersistentVolume decisions and binding resets.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../kube/index.ts';
import { labelSafeName } from '../api/index.ts';
import { addLabels, comparable, decidePersistentVolume, describeObject, fixClaim, resetVolumeBinding, restoreLabels, skipReason, stripForCreate, wantsStatus, type VolumeInfoLike } from './item.ts';

const pod = (status?: object, annotations?: Record<string, string>): KubeObject => ({
  apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'n', ...(annotations ? { annotations } : {}) }, spec: {}, ...(status ? { status } : {}),
});
const job = (status?: object): KubeObject => ({ apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'j', namespace: 'n' }, ...(status ? { status } : {}) });

test('skipReason: pods that have Succeeded or Failed are not restored; running and pending ones are', () => {
  assert.match(skipReason('pods', pod({ phase: 'Succeeded' }))!.reason, /completed \(phase Succeeded\)/);
  assert.match(skipReason('pods', pod({ phase: 'Failed' }))!.reason, /completed \(phase Failed\)/);
  assert.equal(skipReason('pods', pod({ phase: 'Failed' }))!.recorded, false, 'Velero drops completed pods before it registers them');
  for (const phase of ['Running', 'Pending', 'Unknown']) assert.equal(skipReason('pods', pod({ phase })), undefined);
  assert.equal(skipReason('pods', pod()), undefined, 'no status at all');
});

test('skipReason: jobs with a completionTime are not restored; an empty one does not count', () => {
  assert.match(skipReason('jobs.batch', job({ completionTime: '2026-01-01T00:00:00Z' }))!.reason, /job has completed/);
  assert.equal(skipReason('jobs.batch', job({ completionTime: '' })), undefined);
  assert.equal(skipReason('jobs.batch', job({ active: 1 })), undefined);
  assert.equal(skipReason('jobs.batch', job()), undefined);
});

test('skipReason: mirror pods (non-empty kubernetes.io/config.mirror) are left to their kubelet', () => {
  const mirror = skipReason('pods', pod({ phase: 'Running' }, { 'kubernetes.io/config.mirror': '3f1c9a' }))!;
  assert.match(mirror.reason, /mirror pods/);
  assert.equal(mirror.recorded, true, 'recorded as skipped in the resource list');
  assert.equal(skipReason('pods', pod({ phase: 'Running' }, { 'kubernetes.io/config.mirror': '' })), undefined, 'Velero only skips a non-empty mirror annotation');
});

test('skipReason: the rules are tied to core pods and batch jobs, not to look-alike resources', () => {
  const done = { apiVersion: 'example.io/v1', kind: 'Pod', metadata: { name: 'x', annotations: { 'kubernetes.io/config.mirror': 'h' } }, status: { phase: 'Succeeded', completionTime: 't' } } as KubeObject;
  for (const gr of ['pods.example.io', 'jobs.example.io', 'jobs', 'workflows.argoproj.io']) assert.equal(skipReason(gr, done), undefined, gr);
});

const full = (): KubeObject => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: {
    name: 'web',
    namespace: 'shop',
    generateName: 'web-',
    selfLink: '/apis/apps/v1/namespaces/shop/deployments/web',
    uid: '1b6f',
    resourceVersion: '4711',
    generation: 3,
    creationTimestamp: '2026-01-01T00:00:00Z',
    deletionTimestamp: '2026-01-02T00:00:00Z',
    deletionGracePeriodSeconds: 30,
    ownerReferences: [{ apiVersion: 'v1', kind: 'Thing', name: 'owner', uid: 'u' }],
    labels: { app: 'web' },
    annotations: { note: 'kept' },
    finalizers: ['example.io/keep'],
    managedFields: [{ manager: 'kubectl', operation: 'Apply', apiVersion: 'apps/v1' }],
  },
  spec: { replicas: 2 },
  status: { readyReplicas: 2 },
} as KubeObject);

test('stripForCreate: removes what the cluster assigns, owner references and the status; keeps the rest', () => {
  const obj = full();
  const status = stripForCreate(obj);
  assert.deepEqual(status, { readyReplicas: 2 }, 'the status is handed back for a possible status restore');
  assert.deepEqual(obj, {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: {
      name: 'web',
      namespace: 'shop',
      labels: { app: 'web' },
      annotations: { note: 'kept' },
      finalizers: ['example.io/keep'],
      // Velero keeps managedFields (and re-applies them after the create).
      managedFields: [{ manager: 'kubectl', operation: 'Apply', apiVersion: 'apps/v1' }],
    },
    spec: { replicas: 2 },
  });
  assert.equal('status' in obj, false);
});

test('stripForCreate: an object without status gives undefined; nothing else is touched', () => {
  const cm = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', namespace: 'n' }, data: { a: 'b' } } as KubeObject;
  assert.equal(stripForCreate(cm), undefined);
  assert.deepEqual(cm, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', namespace: 'n' }, data: { a: 'b' } });
});

test('comparable: a stripped copy without managedFields and namespace, with the given labels; the input is untouched', () => {
  const obj = full();
  const before = structuredClone(obj);
  const c = comparable(obj, { 'velero.io/restore-name': 'r1' });
  assert.deepEqual(obj, before);
  assert.deepEqual(c.metadata, { name: 'web', labels: { app: 'web', 'velero.io/restore-name': 'r1' }, annotations: { note: 'kept' }, finalizers: ['example.io/keep'] });
  assert.equal(c.status, undefined);
  // Two copies of one object that differ only in server-owned fields compare equal.
  const other = full();
  other.metadata.uid = 'another';
  other.metadata.namespace = 'elsewhere';
  other.metadata.managedFields = [];
  other.status = { readyReplicas: 0 };
  assert.deepEqual(comparable(other, {}), comparable(full(), {}));
});

test('restoreLabels: velero.io/backup-name and velero.io/restore-name, shortened like Velero\'s GetValidName', () => {
  assert.deepEqual(restoreLabels('nightly', 'nightly-20260101'), { 'velero.io/backup-name': 'nightly', 'velero.io/restore-name': 'nightly-20260101' });
  const long = `schedule-${'x'.repeat(70)}`;
  const labels = restoreLabels(long, long);
  assert.equal(labels['velero.io/backup-name'], labelSafeName(long));
  assert.equal(labels['velero.io/backup-name']!.length, 63);
  assert.equal(labels['velero.io/backup-name']!.slice(0, 57), long.slice(0, 57));
});

test('addLabels: merged over the object\'s labels (restore labels win), also when it has none', () => {
  const obj = { metadata: { name: 'a', labels: { app: 'x', 'velero.io/restore-name': 'old' } } } as KubeObject;
  addLabels(obj, { 'velero.io/restore-name': 'new', 'velero.io/backup-name': 'b' });
  assert.deepEqual(obj.metadata.labels, { app: 'x', 'velero.io/restore-name': 'new', 'velero.io/backup-name': 'b' });
  const bare = { metadata: { name: 'b' } } as KubeObject;
  addLabels(bare, { k: 'v' });
  assert.deepEqual(bare.metadata.labels, { k: 'v' });
});

test('wantsStatus: the restoreStatus filter decides unless velero.io/restore-status says true or false (any case, trimmed)', () => {
  const annotated = (v?: string): KubeObject => ({ metadata: { name: 'a', ...(v === undefined ? {} : { annotations: { 'velero.io/restore-status': v } }) } }) as KubeObject;
  assert.equal(wantsStatus(annotated(), true), true);
  assert.equal(wantsStatus(annotated(), false), false);
  assert.equal(wantsStatus(annotated(' TRUE '), false), true);
  assert.equal(wantsStatus(annotated('False'), true), false);
  for (const other of ['yes', '1', '', 'on']) {
    assert.equal(wantsStatus(annotated(other), true), true, `"${other}" is ignored`);
    assert.equal(wantsStatus(annotated(other), false), false, `"${other}" is ignored`);
  }
});

const pv = (reclaim?: string, claimRef?: Record<string, unknown>, annotations?: Record<string, string>): KubeObject => ({
  apiVersion: 'v1', kind: 'PersistentVolume',
  metadata: { name: 'pv-1', ...(annotations ? { annotations } : {}) },
  spec: { ...(reclaim ? { persistentVolumeReclaimPolicy: reclaim } : {}), ...(claimRef ? { claimRef } : {}) },
});
const info = (backupMethod?: string, reclaimPolicy?: string): VolumeInfoLike => ({ pvName: 'pv-1', ...(backupMethod ? { backupMethod } : {}), ...(reclaimPolicy ? { pvInfo: { reclaimPolicy } } : {}) });

test('decidePersistentVolume: volumes restored from a file-system backup or a CSI snapshot are provisioned anew', () => {
  for (const [method, what] of [['PodVolumeBackup', /file-system backup/], ['CSISnapshot', /CSI snapshot/]] as const) {
    for (const reclaim of ['Retain', 'Delete']) {
      const d = decidePersistentVolume(pv(reclaim), info(method), undefined);
      assert.equal(d.kind, 'provision', `${method} ${reclaim}`);
      assert.match((d as { reason: string }).reason, what);
    }
  }
});

test('decidePersistentVolume: a native snapshot needs its snapshotter, unless restorePVs is false (then the PV is restored as-is)', () => {
  assert.deepEqual(decidePersistentVolume(pv('Retain'), info('NativeSnapshot'), undefined), { kind: 'snapshot' });
  assert.deepEqual(decidePersistentVolume(pv('Delete'), info('NativeSnapshot'), true), { kind: 'snapshot' });
  assert.deepEqual(decidePersistentVolume(pv('Delete'), info('NativeSnapshot'), false), { kind: 'restore' });
});

test('decidePersistentVolume: a skipped volume is provisioned anew with reclaim policy Delete, else restored as it was', () => {
  assert.equal(decidePersistentVolume(pv('Delete'), info(), undefined).kind, 'provision');
  assert.match((decidePersistentVolume(pv('Delete'), info(), undefined) as { reason: string }).reason, /reclaim policy is Delete/);
  assert.deepEqual(decidePersistentVolume(pv('Retain'), info(), undefined), { kind: 'restore' });
  assert.deepEqual(decidePersistentVolume(pv('Recycle'), info(), undefined), { kind: 'restore' });
  // No volume info at all (a backup older than volume infos): the PV's own policy decides.
  assert.equal(decidePersistentVolume(pv('Delete'), undefined, undefined).kind, 'provision');
  assert.deepEqual(decidePersistentVolume(pv('Retain'), undefined, undefined), { kind: 'restore' });
  assert.deepEqual(decidePersistentVolume(pv(), undefined, undefined), { kind: 'restore' });
  // The PV's spec wins over the volume info's copy of the policy; the info stands in when the spec has none.
  assert.deepEqual(decidePersistentVolume(pv('Retain'), info(undefined, 'Delete'), undefined), { kind: 'restore' });
  assert.equal(decidePersistentVolume(pv(), info(undefined, 'Delete'), undefined).kind, 'provision');
});

test('resetVolumeBinding: claimRef uid and resourceVersion go, the claim namespace is mapped, binding annotations go', () => {
  const v = pv('Retain', { kind: 'PersistentVolumeClaim', namespace: 'shop', name: 'data', uid: 'u1', resourceVersion: '9', apiVersion: 'v1' }, {
    'pv.kubernetes.io/bind-completed': 'yes', 'pv.kubernetes.io/bound-by-controller': 'yes', 'pv.kubernetes.io/provisioned-by': 'ebs.csi.aws.com',
  });
  resetVolumeBinding(v, { shop: 'shop-copy' });
  assert.deepEqual((v.spec as { claimRef: unknown }).claimRef, { kind: 'PersistentVolumeClaim', namespace: 'shop-copy', name: 'data', apiVersion: 'v1' });
  assert.deepEqual(v.metadata.annotations, { 'pv.kubernetes.io/provisioned-by': 'ebs.csi.aws.com' });
});

test('resetVolumeBinding: an unmapped claim namespace stays; no claimRef or annotations is fine', () => {
  const v = pv('Retain', { namespace: 'other', name: 'data', uid: 'u1' });
  resetVolumeBinding(v, { shop: 'shop-copy' });
  assert.deepEqual((v.spec as { claimRef: unknown }).claimRef, { namespace: 'other', name: 'data' });
  const bare = pv('Retain');
  resetVolumeBinding(bare, { shop: 'x' });
  assert.deepEqual(bare, pv('Retain'));
});

test('resetVolumeBinding: only the mapping\'s own keys map (a namespace called "constructor" stays itself)', () => {
  const v = pv('Retain', { namespace: 'constructor', name: 'data' });
  resetVolumeBinding(v, { shop: 'shop-copy' });
  assert.equal((v.spec as { claimRef: { namespace: unknown } }).claimRef.namespace, 'constructor');
  const mapped = pv('Retain', { namespace: 'constructor', name: 'data' });
  resetVolumeBinding(mapped, { constructor: 'builder' });
  assert.equal((mapped.spec as { claimRef: { namespace: unknown } }).claimRef.namespace, 'builder');
});

const claim = (volumeName?: string): KubeObject => ({
  apiVersion: 'v1', kind: 'PersistentVolumeClaim',
  metadata: { name: 'data', namespace: 'shop', annotations: { 'pv.kubernetes.io/bind-completed': 'yes', 'pv.kubernetes.io/bound-by-controller': 'yes', keep: 'me' } },
  spec: { storageClassName: 'gp3', ...(volumeName ? { volumeName } : {}) },
});

test('fixClaim: a bound claim loses its binding annotations and keeps its volume when that PV is restored as-is', () => {
  const c = claim('pv-1');
  fixClaim(c, new Set(), new Map());
  assert.deepEqual(c.metadata.annotations, { keep: 'me' });
  assert.equal((c.spec as { volumeName?: string }).volumeName, 'pv-1');
});

test('fixClaim: a claim whose PV is provisioned anew loses spec.volumeName', () => {
  const c = claim('pv-1');
  fixClaim(c, new Set(['pv-1']), new Map());
  assert.deepEqual(c.spec, { storageClassName: 'gp3' });
  assert.deepEqual(c.metadata.annotations, { keep: 'me' });
});

test('fixClaim: a claim whose PV was renamed points at the new name', () => {
  const c = claim('pv-1');
  fixClaim(c, new Set(['other']), new Map([['pv-1', 'velero-clone-1234']]));
  assert.equal((c.spec as { volumeName?: string }).volumeName, 'velero-clone-1234');
});

test('fixClaim: a claim without spec.volumeName is left exactly as it is (Velero resets only bound claims)', () => {
  const c = claim();
  fixClaim(c, new Set(['pv-1']), new Map([['pv-1', 'x']]));
  assert.deepEqual(c, claim());
});

test('describeObject: ns/name for namespaced objects, name for cluster-scoped ones', () => {
  assert.equal(describeObject('shop', 'web'), 'shop/web');
  assert.equal(describeObject(undefined, 'pv-1'), 'pv-1');
  assert.equal(describeObject('', 'pv-1'), 'pv-1');
});
