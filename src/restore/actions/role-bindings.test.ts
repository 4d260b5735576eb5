/** velero.io/role-bindings and velero.io/cluster-role-bindings, plus velero.io/job. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { clusterRoleBindingsAction, roleBindingsAction } from './role-bindings.ts';
import { jobAction } from './job.ts';
import { frozen, makeContext } from './testing.ts';

const subjects = [
  { kind: 'ServiceAccount', name: 'a', namespace: 'old' },
  { kind: 'ServiceAccount', name: 'b', namespace: 'kept' },
  { kind: 'User', name: 'alice', apiGroup: 'rbac.authorization.k8s.io' },
  { kind: 'ServiceAccount', name: 'c', namespace: 'other-old' },
];

test('both binding kinds remap subject namespaces through the namespace mapping', async () => {
  for (const [action, kind] of [[roleBindingsAction, 'RoleBinding'], [clusterRoleBindingsAction, 'ClusterRoleBinding']] as const) {
    const item = frozen({ kind, metadata: { name: 'rb', namespace: kind === 'RoleBinding' ? 'old' : undefined }, subjects });
    const r = await action.execute(item, makeContext(item, { namespaceMapping: { old: 'new', 'other-old': 'other-new' } }));
    assert.deepEqual((r.item.subjects as Array<{ namespace?: string }>).map((s) => s.namespace), ['new', 'kept', undefined, 'other-new'], kind);
    assert.equal(r.item.metadata.namespace, item.metadata.namespace, 'the binding\'s own namespace is the engine\'s business');
  }
});

test('bindings without mapped subjects are returned as they are', async () => {
  const item = frozen({ kind: 'RoleBinding', metadata: { name: 'rb', namespace: 'x' }, subjects });
  assert.equal((await roleBindingsAction.execute(item, makeContext(item, { namespaceMapping: { unrelated: 'y' } }))).item, item);
  const empty = frozen({ kind: 'ClusterRoleBinding', metadata: { name: 'crb' } });
  assert.equal((await clusterRoleBindingsAction.execute(empty, makeContext(empty, { namespaceMapping: { old: 'new' } }))).item, empty);
});

test('job: controller-uid labels (current and legacy) leave the selector and the pod template; others stay', async () => {
  const uidLabels = { 'batch.kubernetes.io/controller-uid': 'u1', 'controller-uid': 'u1', 'batch.kubernetes.io/job-name': 'j', 'job-name': 'j' };
  const item = frozen({
    // Separate copies, as decoded JSON has them (structuredClone would keep one shared object shared).
    apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'j', namespace: 'n', labels: { ...uidLabels } },
    spec: { selector: { matchLabels: { ...uidLabels } }, template: { metadata: { labels: { ...uidLabels, app: 'x' } }, spec: {} } },
  });
  const r = await jobAction.execute(item, makeContext(item));
  const spec = r.item.spec as { selector: { matchLabels: object }; template: { metadata: { labels: object } } };
  assert.deepEqual(spec.selector.matchLabels, { 'batch.kubernetes.io/job-name': 'j', 'job-name': 'j' });
  assert.deepEqual(spec.template.metadata.labels, { 'batch.kubernetes.io/job-name': 'j', 'job-name': 'j', app: 'x' });
  assert.deepEqual(r.item.metadata.labels, uidLabels, 'the Job\'s own labels are not the action\'s business');
});

test('job: a job without selector or template labels is fine', async () => {
  const item = frozen({ kind: 'Job', metadata: { name: 'j', namespace: 'n' }, spec: { template: { spec: {} } } });
  assert.deepEqual((await jobAction.execute(item, makeContext(item))).item, item);
});
