/**
 * @module restore/actions/role-bindings: `velero.io/role-bindings` and `velero.io/cluster-role-bindings`
 * — a binding's subjects follow their namespaces through the restore's namespace mapping, so a
 * ServiceAccount restored into `new-ns` keeps the permissions it had in `old-ns`.
 */
import type { KubeObject } from '../../kube/index.ts';
import type { RestoreItemAction, RestoreItemActionResult } from './types.ts';
import { records } from './support.ts';

export const roleBindingsAction: RestoreItemAction = {
  name: 'velero.io/role-bindings',
  appliesTo: { includedResources: ['rolebindings.rbac.authorization.k8s.io'] },
  async execute(item, ctx) {
    return remapSubjects(item, ctx.namespaceMapping);
  },
};

export const clusterRoleBindingsAction: RestoreItemAction = {
  name: 'velero.io/cluster-role-bindings',
  appliesTo: { includedResources: ['clusterrolebindings.rbac.authorization.k8s.io'] },
  async execute(item, ctx) {
    return remapSubjects(item, ctx.namespaceMapping);
  },
};

function remapSubjects(item: KubeObject, mapping: Readonly<Record<string, string>>): RestoreItemActionResult {
  const mapped = (s: Record<string, unknown>): boolean => typeof s.namespace === 'string' && Object.hasOwn(mapping, s.namespace);
  if (!records(item.subjects).some(mapped)) return { item };
  const out = structuredClone(item);
  for (const subject of records(out.subjects)) if (mapped(subject)) subject.namespace = mapping[subject.namespace as string];
  return { item: out };
}
