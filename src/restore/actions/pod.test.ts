/** velero.io/add-pvc-from-pod and velero.io/pod. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../../kube/index.ts';
import { addPvcFromPodAction, podAction } from './pod.ts';
import { frozen, makeContext } from './testing.ts';

const pod = (spec: Record<string, unknown>): KubeObject => frozen({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'src' }, spec });

test('add-pvc-from-pod: each claimed PVC once, in the backed-up namespace; other volumes ignored', async () => {
  const item = pod({ volumes: [
    { name: 'a', persistentVolumeClaim: { claimName: 'data' } },
    { name: 'b', emptyDir: {} },
    { name: 'c', persistentVolumeClaim: { claimName: 'logs' } },
    { name: 'd', persistentVolumeClaim: { claimName: 'data', readOnly: true } },
  ] });
  const r = await addPvcFromPodAction.execute(item, makeContext(item, { namespaceMapping: { src: 'dst' } }));
  assert.equal(r.item, item);
  assert.deepEqual(r.additionalItems, [
    { group: '', resource: 'persistentvolumeclaims', namespace: 'src', name: 'data' },
    { group: '', resource: 'persistentvolumeclaims', namespace: 'src', name: 'logs' },
  ]);
});

test('add-pvc-from-pod: a pod without volumes or spec adds nothing', async () => {
  for (const item of [pod({}), frozen({ metadata: { name: 'x', namespace: 'n' } })]) {
    const r = await addPvcFromPodAction.execute(item, makeContext(item));
    assert.deepEqual(r.additionalItems, []);
  }
});

test('pod: clears nodeName and priority, keeps priorityClassName and adds the PriorityClass', async () => {
  const item = pod({ nodeName: 'node-1', priority: 1000, priorityClassName: 'high', containers: [{ name: 'c', image: 'i' }] });
  const r = await podAction.execute(item, makeContext(item));
  const spec = r.item.spec as Record<string, unknown>;
  assert.equal(spec.nodeName, undefined);
  assert.equal(spec.priority, undefined);
  assert.equal(spec.priorityClassName, 'high');
  assert.deepEqual(r.additionalItems, [{ group: 'scheduling.k8s.io', resource: 'priorityclasses', name: 'high' }]);
  assert.equal((item.spec as Record<string, unknown>).nodeName, 'node-1', 'input untouched');
});

test('pod: drops <serviceAccountName>-token-* volumes and their mounts in every container kind, nothing else', async () => {
  const mounts = [{ name: 'builder-token-x7k2p', mountPath: '/var/run/secrets/kubernetes.io/serviceaccount' }, { name: 'data', mountPath: '/data' }];
  const item = pod({
    serviceAccountName: 'builder',
    volumes: [{ name: 'builder-token-x7k2p', secret: { secretName: 'builder-token-x7k2p' } }, { name: 'data', emptyDir: {} }, { name: 'other-token-abc', secret: {} }],
    containers: [{ name: 'c', volumeMounts: mounts }],
    initContainers: [{ name: 'i', volumeMounts: mounts }],
    ephemeralContainers: [{ name: 'e', volumeMounts: mounts }],
  });
  const r = await podAction.execute(item, makeContext(item));
  const spec = r.item.spec as { volumes: Array<{ name: string }>; [k: string]: unknown };
  assert.deepEqual(spec.volumes.map((v) => v.name), ['data', 'other-token-abc']);
  for (const kind of ['containers', 'initContainers', 'ephemeralContainers']) {
    const [c] = spec[kind] as Array<{ volumeMounts: Array<{ name: string }> }>;
    assert.deepEqual(c!.volumeMounts.map((m) => m.name), ['data'], kind);
  }
  assert.deepEqual(r.additionalItems, []);
});

test('pod: without a service account name no volume is dropped', async () => {
  const item = pod({ volumes: [{ name: '-token-abc' }, { name: 'default-token-abc' }] });
  const r = await podAction.execute(item, makeContext(item));
  assert.equal((r.item.spec as { volumes: unknown[] }).volumes.length, 2);
});
