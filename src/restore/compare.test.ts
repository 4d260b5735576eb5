/** What the disaster drills compare: the user's part of an object, and where two versions of it differ. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../kube/index.ts';
import { differences, userFields } from './compare.ts';

const deployment = (extra: Partial<KubeObject['metadata']> = {}, spec: object = { replicas: 2 }): KubeObject => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'web', namespace: 'shop', labels: { app: 'web' }, annotations: { note: 'n' }, ...extra },
  spec,
  status: { readyReplicas: 2 },
} as KubeObject);

test('userFields: server metadata, status and the restore\'s own labels do not count', () => {
  const before = deployment({ uid: 'a', resourceVersion: '1', generation: 1, creationTimestamp: 't0', managedFields: [{ manager: 'kubectl' }], selfLink: '/x', ownerReferences: [{ apiVersion: 'v1', kind: 'X', name: 'o', uid: 'o1' }], generateName: 'web-' } as Partial<KubeObject['metadata']>);
  const after = deployment({ uid: 'b', resourceVersion: '99', generation: 4, creationTimestamp: 't1', managedFields: [], labels: { app: 'web', 'velero.io/backup-name': 'b1', 'velero.io/restore-name': 'r1' }, ownerReferences: [{ apiVersion: 'v1', kind: 'X', name: 'o', uid: 'o2' }] } as Partial<KubeObject['metadata']>);
  after.status = { readyReplicas: 0 };
  assert.deepEqual(differences(userFields('deployments.apps', before), userFields('deployments.apps', after)), []);
  assert.deepEqual(userFields('deployments.apps', before), {
    apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace: 'shop', labels: { app: 'web' }, annotations: { note: 'n' } }, spec: { replicas: 2 },
  });
});

test('userFields: what the user controls still counts (labels, annotations, spec)', () => {
  const a = userFields('deployments.apps', deployment());
  const b = userFields('deployments.apps', deployment({ labels: { app: 'web', tier: 'front' }, annotations: {} }, { replicas: 3 }));
  assert.deepEqual(differences(a, b), ['metadata.annotations.note', 'metadata.labels.tier', 'spec.replicas']);
});

test('userFields: the input object is not changed', () => {
  const obj = deployment({ uid: 'a', labels: { app: 'web', 'velero.io/restore-name': 'r1' } } as Partial<KubeObject['metadata']>);
  const copy = structuredClone(obj);
  userFields('deployments.apps', obj);
  assert.deepEqual(obj, copy);
});

test('userFields: binding and provisioning annotations written by controllers do not count', () => {
  const a = { apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'd', namespace: 'n', annotations: { keep: 'k' } }, spec: {} } as KubeObject;
  const b = structuredClone(a);
  b.metadata.annotations = {
    keep: 'k',
    'pv.kubernetes.io/bind-completed': 'yes',
    'pv.kubernetes.io/bound-by-controller': 'yes',
    'pv.kubernetes.io/provisioned-by': 'x',
    'volume.kubernetes.io/storage-provisioner': 'x',
    'volume.beta.kubernetes.io/storage-provisioner': 'x',
    'volume.kubernetes.io/selected-node': 'node-1',
  };
  assert.deepEqual(differences(userFields('persistentvolumeclaims', a), userFields('persistentvolumeclaims', b)), []);
});

test('userFields: a Service\'s allocated cluster IPs and node ports do not count; its ports do', () => {
  const svc = (clusterIP: string, nodePort: number, port = 80): KubeObject => ({
    apiVersion: 'v1', kind: 'Service', metadata: { name: 's', namespace: 'n' },
    spec: { type: 'LoadBalancer', clusterIP, clusterIPs: [clusterIP], healthCheckNodePort: nodePort + 1, ports: [{ name: 'http', port, nodePort }] },
  } as KubeObject);
  assert.deepEqual(differences(userFields('services', svc('10.0.0.1', 30001)), userFields('services', svc('10.0.0.2', 30002))), []);
  assert.deepEqual(differences(userFields('services', svc('10.0.0.1', 30001)), userFields('services', svc('10.0.0.1', 30001, 8080))), ['spec.ports[0].port']);
});

test('userFields: the node a pod ran on and a PV claim\'s uid do not count', () => {
  const p = (node: string): KubeObject => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'n' }, spec: { nodeName: node, containers: [{ name: 'c', image: 'i' }] } } as KubeObject);
  assert.deepEqual(differences(userFields('pods', p('a')), userFields('pods', p('b'))), []);
  const v = (uid: string, rv: string, ns = 'n'): KubeObject => ({ apiVersion: 'v1', kind: 'PersistentVolume', metadata: { name: 'v' }, spec: { claimRef: { namespace: ns, name: 'c', uid, resourceVersion: rv } } } as KubeObject);
  assert.deepEqual(differences(userFields('persistentvolumes', v('u1', '1')), userFields('persistentvolumes', v('u2', '7'))), []);
  assert.deepEqual(differences(userFields('persistentvolumes', v('u1', '1')), userFields('persistentvolumes', v('u1', '1', 'm'))), ['spec.claimRef.namespace']);
});

test('userFields: controller-maintained resources reduce to their identity', () => {
  const ep = { apiVersion: 'v1', kind: 'Endpoints', metadata: { name: 'e', namespace: 'n', labels: { a: 'b' } }, subsets: [{ addresses: [{ ip: '10.1.1.1' }] }] } as KubeObject;
  for (const gr of ['endpoints', 'endpointslices.discovery.k8s.io', 'events', 'events.events.k8s.io', 'leases.coordination.k8s.io']) {
    assert.deepEqual(userFields(gr, ep), { apiVersion: 'v1', kind: 'Endpoints', metadata: { name: 'e', namespace: 'n' } }, gr);
  }
});

test('differences: equal values give none; paths name objects with dots and arrays with indexes', () => {
  assert.deepEqual(differences({ a: 1, b: [1, 2] }, { b: [1, 2], a: 1 }), []);
  assert.deepEqual(differences({ a: { b: [{ c: 1 }, { c: 2 }] } }, { a: { b: [{ c: 1 }, { c: 3 }] } }), ['a.b[1].c']);
  assert.deepEqual(differences([1, 2], [1, 2, 3]), ['[2]']);
  assert.deepEqual(differences(1, 2), ['<root>']);
  assert.deepEqual(differences({ a: 1 }, { a: 1 }, 20, 'spec'), []);
  assert.deepEqual(differences({ a: 1 }, { a: 2 }, 20, 'spec'), ['spec.a']);
});

test('differences: keys are reported in sorted order', () => {
  assert.deepEqual(differences({ z: 1, a: 1, m: 1 }, { z: 2, a: 2, m: 2 }), ['a', 'm', 'z']);
});

test('differences: an absent field, null, {} and [] say the same thing; 0, false and "" do not', () => {
  assert.deepEqual(differences({ a: {}, b: [], c: null }, {}), []);
  assert.deepEqual(differences({ a: [] }, { a: {} }), []);
  assert.deepEqual(differences({ a: 0, b: false, c: '' }, {}), ['a', 'b', 'c']);
  assert.deepEqual(differences({ a: { x: 1 } }, {}), ['a']);
  assert.deepEqual(differences({ a: [1] }, { a: { 0: 1 } }), ['a'], 'a list and a map are different even with the same entries');
});

test('differences: a type change is one difference at that path', () => {
  assert.deepEqual(differences({ a: { b: 1 } }, { a: 'text' }), ['a']);
  assert.deepEqual(differences({ a: '1' }, { a: 1 }), ['a']);
});

test('differences: at most `limit` paths', () => {
  const a = Object.fromEntries(Array.from({ length: 50 }, (_, i) => [`k${String(i).padStart(2, '0')}`, i]));
  const b = Object.fromEntries(Object.keys(a).map((k) => [k, -1]));
  assert.equal(differences(a, b).length, 20);
  assert.deepEqual(differences(a, b, 3), ['k00', 'k01', 'k02']);
});
