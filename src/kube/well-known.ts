/** @module kube/well-known: resource addresses of built-in kinds, for code that needs no discovery round trip. */
import type { ResourceRef } from './types.ts';

const core = (resource: string, namespaced: boolean): ResourceRef => ({ group: '', version: 'v1', resource, namespaced });

export const Resources = {
  namespaces: core('namespaces', false),
  nodes: core('nodes', false),
  persistentVolumes: core('persistentvolumes', false),
  configMaps: core('configmaps', true),
  secrets: core('secrets', true),
  pods: core('pods', true),
  services: core('services', true),
  serviceAccounts: core('serviceaccounts', true),
  persistentVolumeClaims: core('persistentvolumeclaims', true),
  events: core('events', true),
  deployments: { group: 'apps', version: 'v1', resource: 'deployments', namespaced: true },
  replicaSets: { group: 'apps', version: 'v1', resource: 'replicasets', namespaced: true },
  statefulSets: { group: 'apps', version: 'v1', resource: 'statefulsets', namespaced: true },
  daemonSets: { group: 'apps', version: 'v1', resource: 'daemonsets', namespaced: true },
  jobs: { group: 'batch', version: 'v1', resource: 'jobs', namespaced: true },
  roles: { group: 'rbac.authorization.k8s.io', version: 'v1', resource: 'roles', namespaced: true },
  roleBindings: { group: 'rbac.authorization.k8s.io', version: 'v1', resource: 'rolebindings', namespaced: true },
  leases: { group: 'coordination.k8s.io', version: 'v1', resource: 'leases', namespaced: true },
  customResourceDefinitions: { group: 'apiextensions.k8s.io', version: 'v1', resource: 'customresourcedefinitions', namespaced: false },
} as const satisfies Record<string, ResourceRef>;
