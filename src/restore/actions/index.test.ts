/** The built-in list: Velero's order, unique names, and which group-resources each action is for. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { actionApplies } from '../../backup/index.ts';
import type { KubeObject } from '../../kube/index.ts';
import { BUILT_IN_RESTORE_ACTIONS } from './index.ts';

test('actions are listed in Velero\'s order, change-pvc-node-selector right after pvc', () => {
  assert.deepEqual(BUILT_IN_RESTORE_ACTIONS.map((a) => a.name), [
    'velero.io/add-pvc-from-pod',
    'velero.io/admission-webhook-configuration',
    'velero.io/apiservice',
    'velero.io/change-image-name',
    'velero.io/change-storage-class',
    'velero.io/cluster-role-bindings',
    'velero.io/crd-preserve-fields',
    'velero.io/init-restore-hook',
    'velero.io/job',
    'velero.io/pod',
    'velero.io/pvc',
    'velero.io/change-pvc-node-selector',
    'velero.io/role-bindings',
    'velero.io/secret',
    'velero.io/service',
    'velero.io/service-account',
  ]);
});

const namespaced: KubeObject = { metadata: { name: 'x', namespace: 'n' } };
const cluster: KubeObject = { metadata: { name: 'x' } };
const applying = (groupResource: string, item: KubeObject) =>
  BUILT_IN_RESTORE_ACTIONS.filter((a) => actionApplies(a, groupResource, item)).map((a) => a.name.replace('velero.io/', ''));

test('applicability by group-resource, in execution order', () => {
  assert.deepEqual(applying('pods', namespaced), ['add-pvc-from-pod', 'change-image-name', 'init-restore-hook', 'pod']);
  assert.deepEqual(applying('persistentvolumeclaims', namespaced), ['change-storage-class', 'pvc', 'change-pvc-node-selector']);
  assert.deepEqual(applying('persistentvolumes', cluster), ['change-storage-class']);
  assert.deepEqual(applying('statefulsets.apps', namespaced), ['change-image-name', 'change-storage-class']);
  assert.deepEqual(applying('cronjobs.batch', namespaced), ['change-image-name']);
  assert.deepEqual(applying('jobs.batch', namespaced), ['change-image-name', 'job']);
  assert.deepEqual(applying('services', namespaced), ['service']);
  assert.deepEqual(applying('serviceaccounts', namespaced), ['service-account']);
  assert.deepEqual(applying('secrets', namespaced), ['secret']);
  assert.deepEqual(applying('rolebindings.rbac.authorization.k8s.io', namespaced), ['role-bindings']);
  assert.deepEqual(applying('clusterrolebindings.rbac.authorization.k8s.io', cluster), ['cluster-role-bindings']);
  assert.deepEqual(applying('customresourcedefinitions.apiextensions.k8s.io', cluster), ['crd-preserve-fields']);
  assert.deepEqual(applying('configmaps', namespaced), []);
  assert.deepEqual(applying('deployments.apps', namespaced), ['change-image-name']);
});
