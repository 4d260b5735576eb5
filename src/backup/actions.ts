/**
 * @module backup/actions: the BackupItemAction contract (built-ins and, later, plugins) and Velero's
 * built-in actions that pull related objects into a backup: pod → PVCs and PriorityClass,
 * PVC → PV, ServiceAccount → ClusterRoleBindings and ClusterRoles.
 */
import type { Discovery, KubeObject } from '../kube/index.ts';
import { matchesLabelSelector, parseLabelSelector } from '../kube/index.ts';
import { globMatch } from './glob.ts';
import type { RelatedObjects } from './related.ts';
import type { OperationLog } from './backup-log.ts';
import type { BackupLike } from './types.ts';

/** An object named by group-resource, as item actions return it (Velero's ResourceIdentifier). */
export interface ResourceIdentifier {
  group: string;
  resource: string;
  namespace?: string | undefined;
  name: string;
}

export interface ItemActionContext {
  backup: BackupLike;
  related: RelatedObjects;
  discovery: Discovery;
  log: OperationLog;
  signal?: AbortSignal | undefined;
}

export interface ItemActionResult {
  /** The item to write (possibly changed). */
  item: KubeObject;
  additionalItems?: ResourceIdentifier[];
  /** Additional items bypass the backup's include/exclude rules (Velero's must-include annotation). */
  mustIncludeAdditional?: boolean;
  /** Drop this item from the backup altogether (Velero's skip-from-backup annotation). */
  skip?: boolean;
}

/** Which items an action is called for; empty lists mean "all". Resources are group-resources. */
export interface AppliesTo {
  includedResources?: string[];
  excludedResources?: string[];
  includedNamespaces?: string[];
  excludedNamespaces?: string[];
  labelSelector?: string;
}

export interface BackupItemAction {
  /** e.g. `velero.io/pod`. */
  name: string;
  appliesTo: AppliesTo;
  execute(item: KubeObject, ctx: ItemActionContext): Promise<ItemActionResult>;
}

/** Whether an action applies to an item of `groupResource` (cluster-scoped items only match unscoped actions). */
export function actionApplies(action: { appliesTo: AppliesTo }, groupResource: string, item: KubeObject): boolean {
  const a = action.appliesTo;
  const matches = (list: string[] | undefined, v: string): boolean => (list ?? []).some((p) => globMatch(p, v));
  if (a.includedResources?.length && !matches(a.includedResources, groupResource)) return false;
  if (matches(a.excludedResources, groupResource)) return false;
  const ns = item.metadata.namespace;
  if (!ns && (a.includedNamespaces?.length || a.excludedNamespaces?.length)) return false;
  if (ns && a.includedNamespaces?.length && !matches(a.includedNamespaces, ns)) return false;
  if (ns && matches(a.excludedNamespaces, ns)) return false;
  return !a.labelSelector || matchesLabelSelector(item.metadata.labels, parseLabelSelector(a.labelSelector));
}

/** Labels Velero strips from a PVC so a restore does not inherit stale bookkeeping. */
const STALE_PVC_LABELS = ['velero.io/restore-name', 'backup.velero.io/must-include-additional-items', 'velero.io/volume-snapshot-name'];

export const pvcAction: BackupItemAction = {
  name: 'velero.io/pv',
  appliesTo: { includedResources: ['persistentvolumeclaims'] },
  async execute(item, ctx) {
    const spec = (item.spec ?? {}) as { volumeName?: string; storageClassName?: string; selector?: { matchLabels?: Record<string, string> } };
    const phase = (item.status as { phase?: string } | undefined)?.phase;
    if (phase !== 'Bound' || !spec.volumeName) return { item };
    const pvc = structuredClone(item);
    const s = pvc.spec as Record<string, unknown> & { selector?: { matchLabels?: Record<string, string> } };
    // A restored claim must bind to its restored volume, not re-run provisioning from a data source.
    delete s.dataSource;
    delete s.dataSourceRef;
    if (spec.storageClassName !== '') delete s.selector;
    else if (s.selector?.matchLabels) {
      for (const k of Object.keys(s.selector.matchLabels)) if (k.startsWith('velero.io/')) delete s.selector.matchLabels[k];
    }
    const labels = pvc.metadata.labels;
    if (labels) {
      for (const k of STALE_PVC_LABELS) delete labels[k];
      if (labels['velero.io/backup-name'] !== undefined && labels['velero.io/backup-name'] !== ctx.backup.metadata.name) delete labels['velero.io/backup-name'];
    }
    return { item: pvc, additionalItems: [{ group: '', resource: 'persistentvolumes', name: spec.volumeName }] };
  },
};

export const podAction: BackupItemAction = {
  name: 'velero.io/pod',
  appliesTo: { includedResources: ['pods'] },
  async execute(item) {
    const spec = (item.spec ?? {}) as { priorityClassName?: string; volumes?: Array<{ persistentVolumeClaim?: { claimName?: string } }> };
    const extra: ResourceIdentifier[] = [];
    if (spec.priorityClassName) extra.push({ group: 'scheduling.k8s.io', resource: 'priorityclasses', name: spec.priorityClassName });
    for (const v of spec.volumes ?? []) {
      const claim = v.persistentVolumeClaim?.claimName;
      if (claim) extra.push({ group: '', resource: 'persistentvolumeclaims', namespace: item.metadata.namespace, name: claim });
    }
    return { item, additionalItems: extra };
  },
};

export const serviceAccountAction: BackupItemAction = {
  name: 'velero.io/service-account',
  appliesTo: { includedResources: ['serviceaccounts'] },
  async execute(item, ctx) {
    const crbRef = ctx.discovery.find('clusterrolebindings.rbac.authorization.k8s.io');
    if (!crbRef) return { item };
    const bindings = await ctx.related.all(crbRef, undefined, ctx.signal);
    const extra: ResourceIdentifier[] = [];
    for (const crb of bindings.values()) {
      const subjects = (crb.subjects ?? []) as Array<{ kind?: string; namespace?: string; name?: string }>;
      const named = subjects.some((s) => s.kind === 'ServiceAccount' && s.namespace === item.metadata.namespace && s.name === item.metadata.name);
      if (!named) continue;
      extra.push({ group: crbRef.group, resource: 'clusterrolebindings', name: crb.metadata.name! });
      const role = crb.roleRef as { kind?: string; name?: string } | undefined;
      if (role?.kind === 'ClusterRole' && role.name) extra.push({ group: crbRef.group, resource: 'clusterroles', name: role.name });
    }
    return { item, additionalItems: extra };
  },
};

/** Velero's built-in backup item actions, in its order. */
export const BUILT_IN_BACKUP_ACTIONS: readonly BackupItemAction[] = [pvcAction, podAction, serviceAccountAction];
