/** @module install/refs: where each kind install creates lives in the API, so objects apply without a discovery round trip. */
import { VeleroResources } from '../api/index.ts';
import { Resources, type KubeObject, type ResourceRef } from '../kube/index.ts';

const rbac = (resource: string, namespaced: boolean): ResourceRef => ({ group: 'rbac.authorization.k8s.io', version: 'v1', resource, namespaced });

export const InstallResources = {
  clusterRoles: rbac('clusterroles', false),
  clusterRoleBindings: rbac('clusterrolebindings', false),
  roles: Resources.roles,
  roleBindings: Resources.roleBindings,
} as const satisfies Record<string, ResourceRef>;

const BY_KIND: Record<string, ResourceRef> = {
  CustomResourceDefinition: Resources.customResourceDefinitions,
  Namespace: Resources.namespaces,
  ClusterRole: InstallResources.clusterRoles,
  ClusterRoleBinding: InstallResources.clusterRoleBindings,
  ServiceAccount: Resources.serviceAccounts,
  Role: InstallResources.roles,
  RoleBinding: InstallResources.roleBindings,
  Secret: Resources.secrets,
  BackupStorageLocation: VeleroResources.backupStorageLocations,
  VolumeSnapshotLocation: VeleroResources.volumeSnapshotLocations,
  Deployment: Resources.deployments,
  DaemonSet: Resources.daemonSets,
};

/** The resource of an object install generated; throws for a kind install never creates. */
export function refOf(obj: KubeObject): ResourceRef {
  const ref = BY_KIND[obj.kind ?? ''];
  if (ref === undefined) throw new Error(`install does not create objects of kind ${obj.kind}`);
  return ref;
}
