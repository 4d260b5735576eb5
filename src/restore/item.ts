/**
 * @module restore/item: what happens to one backed-up object before it is created — Velero's per-item
 * rules as pure functions: completed and mirror objects are skipped, metadata the cluster owns is stripped,
 * PersistentVolumes are restored as-is or left to dynamic provisioning, the restore labels are added.
 */
import type { KubeObject } from '../kube/index.ts';
import { labelSafeName, LABEL_BACKUP_NAME, LABEL_RESTORE_NAME, ANNOTATION_RESTORE_STATUS } from '../api/index.ts';

/** Metadata Velero removes before create (owner references always: the owners get new UIDs). */
const STRIPPED_METADATA = ['generateName', 'selfLink', 'uid', 'resourceVersion', 'generation', 'creationTimestamp', 'deletionTimestamp', 'deletionGracePeriodSeconds', 'ownerReferences'] as const;

/** Why an object is not restored at all, or undefined. */
export function skipReason(groupResource: string, obj: KubeObject): { reason: string; recorded: boolean } | undefined {
  if (groupResource === 'pods') {
    const phase = (obj.status as { phase?: string } | undefined)?.phase;
    if (phase === 'Succeeded' || phase === 'Failed') return { reason: `pod has completed (phase ${phase})`, recorded: false };
    // Velero skips a pod whose mirror annotation is non-empty (the kubelet always writes a hash there), and
    // records it as skipped: its check comes after the item is registered.
    if (obj.metadata.annotations?.['kubernetes.io/config.mirror']) return { reason: 'mirror pods are created by their kubelet', recorded: true };
  }
  if (groupResource === 'jobs.batch' && (obj.status as { completionTime?: string } | undefined)?.completionTime) return { reason: 'job has completed', recorded: false };
  return undefined;
}

/** Removes what the cluster assigns (uid, resourceVersion, timestamps, owners) and the status; returns the status. */
export function stripForCreate(obj: KubeObject): unknown {
  const meta = obj.metadata as Record<string, unknown>;
  for (const k of STRIPPED_METADATA) delete meta[k];
  const status = obj.status;
  delete obj.status;
  return status;
}

/** The object as two copies are compared for "already exists and is the same": no managed fields either. */
export function comparable(obj: KubeObject, labels: Record<string, string>): KubeObject {
  const copy = structuredClone(obj);
  stripForCreate(copy);
  delete (copy.metadata as Record<string, unknown>).managedFields;
  delete (copy.metadata as Record<string, unknown>).namespace;
  copy.metadata.labels = { ...copy.metadata.labels, ...labels };
  return copy;
}

/** `velero.io/backup-name` and `velero.io/restore-name`, label-safe. */
export function restoreLabels(backupName: string, restoreName: string): Record<string, string> {
  return { [LABEL_BACKUP_NAME]: labelSafeName(backupName), [LABEL_RESTORE_NAME]: labelSafeName(restoreName) };
}

export function addLabels(obj: KubeObject, labels: Record<string, string>): void {
  obj.metadata.labels = { ...obj.metadata.labels, ...labels };
}

/**
 * Whether this object's status is restored: the restore's status filter decides, and the object's
 * `velero.io/restore-status` annotation (`true`/`false`, any case) overrides it.
 */
export function wantsStatus(obj: KubeObject, byFilter: boolean): boolean {
  const v = obj.metadata.annotations?.[ANNOTATION_RESTORE_STATUS]?.trim().toLowerCase();
  return v === 'true' ? true : v === 'false' ? false : byFilter;
}

/** Volume info of a backup, as far as the restore needs it. */
export interface VolumeInfoLike {
  pvName?: string;
  backupMethod?: string;
  pvInfo?: { reclaimPolicy?: string };
}

export type PvDecision = { kind: 'restore' } | { kind: 'provision'; reason: string } | { kind: 'snapshot' };

/**
 * Velero's choice for a PersistentVolume: volumes whose data comes back another way (file-system backup,
 * CSI snapshot) are provisioned anew; a skipped volume with reclaim policy Delete too (its disk is gone);
 * a native snapshot needs its snapshotter; anything else is restored as it was.
 */
export function decidePersistentVolume(pv: KubeObject, info: VolumeInfoLike | undefined, restorePVs: boolean | undefined): PvDecision {
  const method = info?.backupMethod;
  if (method === 'PodVolumeBackup' || method === 'CSISnapshot') return { kind: 'provision', reason: `its data is restored from a ${method === 'PodVolumeBackup' ? 'file-system backup' : 'CSI snapshot'} into a new volume` };
  if (method === 'NativeSnapshot') return restorePVs === false ? { kind: 'restore' } : { kind: 'snapshot' };
  const policy = (pv.spec as { persistentVolumeReclaimPolicy?: string } | undefined)?.persistentVolumeReclaimPolicy ?? info?.pvInfo?.reclaimPolicy;
  if (policy === 'Delete') return { kind: 'provision', reason: 'its reclaim policy is Delete and its data is not in the backup, so a new volume is provisioned for its claim' };
  return { kind: 'restore' };
}

/** Clears what ties a PV to the claim object that no longer exists, and points it at the (mapped) namespace. */
export function resetVolumeBinding(pv: KubeObject, mapping: Readonly<Record<string, string>>): void {
  const spec = (pv.spec ?? {}) as { claimRef?: Record<string, unknown> };
  if (spec.claimRef) {
    delete spec.claimRef.uid;
    delete spec.claimRef.resourceVersion;
    const ns = spec.claimRef.namespace as string | undefined;
    // Own keys only: a namespace named `constructor` must not pick up Object.prototype.constructor.
    if (ns && Object.hasOwn(mapping, ns) && mapping[ns]) spec.claimRef.namespace = mapping[ns];
  }
  const ann = pv.metadata.annotations;
  if (ann) {
    delete ann['pv.kubernetes.io/bind-completed'];
    delete ann['pv.kubernetes.io/bound-by-controller'];
  }
}

/** A restored claim: binding annotations go; a volume provisioned anew is not named; a renamed one is. */
export function fixClaim(pvc: KubeObject, toProvision: ReadonlySet<string>, renamed: ReadonlyMap<string, string>): void {
  const spec = (pvc.spec ?? {}) as { volumeName?: string };
  if (!spec.volumeName) return;
  const ann = pvc.metadata.annotations;
  if (ann) {
    delete ann['pv.kubernetes.io/bind-completed'];
    delete ann['pv.kubernetes.io/bound-by-controller'];
  }
  if (toProvision.has(spec.volumeName)) delete spec.volumeName;
  else if (renamed.has(spec.volumeName)) spec.volumeName = renamed.get(spec.volumeName)!;
}

/** `ns/name` or `name`, as logs and the resource list write an object. */
export function describeObject(namespace: string | undefined, name: string): string {
  return namespace ? `${namespace}/${name}` : name;
}
