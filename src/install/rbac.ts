/**
 * @module install/rbac: how the server's ServiceAccount is authorised. `cluster-admin` is Velero's binding;
 * `least-privilege` grants only what the server uses (docs/adr/0012-install-and-rbac.md says why these rules).
 */
import { API_GROUP } from '../api/index.ts';
import type { KubeObject } from '../kube/index.ts';
import type { InstallOptions } from './options.ts';
import { componentLabels, SERVICE_ACCOUNT } from './names.ts';

const RBAC_API = 'rbac.authorization.k8s.io/v1';
const RBAC_GROUP = 'rbac.authorization.k8s.io';

/** Velero's ClusterRoleBinding name: `velero`, or `velero-<ns>` outside the `velero` namespace. The least-privilege ClusterRole shares it. */
export function clusterBindingName(namespace: string): string {
  return namespace === 'velero' ? 'velero' : `velero-${namespace}`;
}

/** One RBAC rule. */
export interface PolicyRule {
  apiGroups: string[];
  resources: string[];
  verbs: string[];
}

const READ = ['get', 'list', 'watch'];

/**
 * Cluster-wide, for a server that backs up and restores whatever the cluster serves, including kinds that
 * only exist in a backup (a CRD restored first, then its objects): read everything, and create, update and
 * patch everything. Never delete, escalate, bind, impersonate, approve or sign: a restore does none of
 * these, and without escalate and bind the API server refuses any Role or binding that would grant more
 * than these rules (so restoring such RBAC fails item by item; the ADR explains the trade).
 */
export const LEAST_PRIVILEGE_CLUSTER_RULES: readonly PolicyRule[] = [
  { apiGroups: ['*'], resources: ['*'], verbs: READ },
  { apiGroups: ['*'], resources: ['*'], verbs: ['create', 'update', 'patch'] },
];

/**
 * In its own namespace only: the server's velero.io objects in full (deletion requests delete backups and
 * restores; processed requests are deleted), the leader-election Lease, and Secrets (the repository
 * password Secret of file-system backup).
 */
export const LEAST_PRIVILEGE_NAMESPACE_RULES: readonly PolicyRule[] = [
  { apiGroups: [API_GROUP], resources: ['*'], verbs: [...READ, 'create', 'update', 'patch', 'delete', 'deletecollection'] },
  { apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: [...READ, 'create', 'update', 'patch', 'delete'] },
  { apiGroups: [''], resources: ['secrets'], verbs: [...READ, 'create', 'update', 'patch', 'delete'] },
];

const subjects = (namespace: string): object[] => [{ kind: 'ServiceAccount', name: SERVICE_ACCOUNT, namespace }];

function clusterRoleBinding(namespace: string, roleName: string): KubeObject {
  return {
    apiVersion: RBAC_API,
    kind: 'ClusterRoleBinding',
    metadata: { name: clusterBindingName(namespace), labels: componentLabels() },
    roleRef: { apiGroup: RBAC_GROUP, kind: 'ClusterRole', name: roleName },
    subjects: subjects(namespace),
  };
}

/** The cluster-scoped RBAC objects, in creation order: none with an existing ServiceAccount. */
export function clusterRbacObjects(o: InstallOptions): KubeObject[] {
  if (o.serviceAccountName !== undefined) return [];
  if (o.rbac === 'cluster-admin') return [clusterRoleBinding(o.namespace, 'cluster-admin')];
  const name = clusterBindingName(o.namespace);
  const role: KubeObject = { apiVersion: RBAC_API, kind: 'ClusterRole', metadata: { name, labels: componentLabels() }, rules: LEAST_PRIVILEGE_CLUSTER_RULES.map((r) => ({ ...r })) };
  return [role, clusterRoleBinding(o.namespace, name)];
}

/** The namespaced Role and RoleBinding of least-privilege mode (after the ServiceAccount). */
export function namespaceRbacObjects(o: InstallOptions): KubeObject[] {
  if (o.serviceAccountName !== undefined || o.rbac !== 'least-privilege') return [];
  const metadata = { name: SERVICE_ACCOUNT, namespace: o.namespace, labels: componentLabels() };
  return [
    { apiVersion: RBAC_API, kind: 'Role', metadata, rules: LEAST_PRIVILEGE_NAMESPACE_RULES.map((r) => ({ ...r })) },
    { apiVersion: RBAC_API, kind: 'RoleBinding', metadata: { ...metadata }, roleRef: { apiGroup: RBAC_GROUP, kind: 'Role', name: SERVICE_ACCOUNT }, subjects: subjects(o.namespace) },
  ];
}
