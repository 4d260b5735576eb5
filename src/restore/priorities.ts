/**
 * @module restore/priorities: the order in which a restore creates resources, as tiers. Tiers run one
 * after the other; the items of a tier are created in parallel. Velero's high-priority resources each get
 * a tier of their own, in Velero's order; every other resource is created together in one tier (Velero
 * walks them alphabetically, an order that carries no meaning); then admission webhook configurations,
 * last before the low priorities, so that a restored webhook whose service is not running yet cannot
 * refuse the rest of the restore (docs/adr/0009).
 */

/** Velero's default `--restore-resource-priorities`, high part (spelling kept, `volumesnapshotclass` included). */
export const DEFAULT_HIGH_PRIORITIES: readonly string[] = [
  'customresourcedefinitions',
  'namespaces',
  'storageclasses',
  'volumesnapshotclass.snapshot.storage.k8s.io',
  'volumesnapshotcontents.snapshot.storage.k8s.io',
  'volumesnapshots.snapshot.storage.k8s.io',
  'datauploads.velero.io',
  'persistentvolumes',
  'persistentvolumeclaims',
  'clusterroles',
  'roles',
  'serviceaccounts',
  'clusterrolebindings',
  'rolebindings',
  'secrets',
  'configmaps',
  'limitranges',
  'priorityclasses',
  'pods',
  'replicasets.apps',
  'clusterclasses.cluster.x-k8s.io',
  'endpoints',
  'services',
];

export const DEFAULT_LOW_PRIORITIES: readonly string[] = [
  'clusterbootstraps.run.tanzu.vmware.com',
  'clusters.cluster.x-k8s.io',
  'clusterresourcesets.addons.cluster.x-k8s.io',
  'apps.kappctrl.k14s.io',
  'packageinstalls.packaging.carvel.dev',
];

/** Created after everything else of the "rest" tier: they can make the API server call out to restored services. */
export const ADMISSION_RESOURCES: readonly string[] = [
  'mutatingwebhookconfigurations.admissionregistration.k8s.io',
  'validatingwebhookconfigurations.admissionregistration.k8s.io',
  'mutatingadmissionpolicies.admissionregistration.k8s.io',
  'mutatingadmissionpolicybindings.admissionregistration.k8s.io',
  'validatingadmissionpolicies.admissionregistration.k8s.io',
  'validatingadmissionpolicybindings.admissionregistration.k8s.io',
];

export const CRDS = 'customresourcedefinitions.apiextensions.k8s.io';

export interface Priorities {
  high: string[];
  low: string[];
}

/**
 * Parses the server flag: a comma-separated list where a `-` element splits high from low priorities. As
 * in Velero, the flag only replaces the part it gives: `a,b` keeps the default low priorities, `-,x` the
 * default high ones, `-` alone changes nothing; more than one `-` is refused.
 */
export function parsePriorities(text: string | undefined): Priorities {
  const high = [...DEFAULT_HIGH_PRIORITIES];
  const low = [...DEFAULT_LOW_PRIORITIES];
  if (text === undefined || text.trim() === '') return { high, low };
  const parts = text.split(',').map((s) => s.trim()).filter(Boolean);
  const dash = parts.indexOf('-');
  if (dash >= 0 && parts.indexOf('-', dash + 1) >= 0) throw new Error('--restore-resource-priorities: more than one "-" separator');
  if (dash < 0) return { high: parts, low };
  const before = parts.slice(0, dash);
  const after = parts.slice(dash + 1);
  return { high: before.length > 0 ? before : high, low: after.length > 0 ? after : low };
}

export interface Tier {
  /** For logs: the resource, or `other resources`. */
  label: string;
  groupResources: string[];
  kind: 'crds' | 'namespaces' | 'resources';
}

/**
 * The tiers for the group-resources present in a backup. `resolve` turns a priority name (`pods`,
 * `replicasets.apps`, `customresourcedefinitions`) into the backup's group-resource notation.
 */
export function planTiers(present: readonly string[], priorities: Priorities, resolve: (name: string) => string): Tier[] {
  const remaining = new Set(present);
  const tiers: Tier[] = [];
  const take = (gr: string): boolean => remaining.delete(gr);
  // CRDs always come first, whatever the priorities say: their custom resources depend on them.
  if (take(CRDS)) tiers.push({ label: CRDS, groupResources: [CRDS], kind: 'crds' });
  // Namespaces are ensured before anything namespaced, even when the user's list puts them later.
  take('namespaces');
  tiers.push({ label: 'namespaces', groupResources: ['namespaces'], kind: 'namespaces' });
  for (const name of priorities.high) {
    const gr = resolve(name);
    if (take(gr)) tiers.push({ label: gr, groupResources: [gr], kind: 'resources' });
  }
  // A name given twice (or twice after resolving) still gets a single tier.
  const low = [...new Set(priorities.low.map(resolve))].filter((gr) => remaining.has(gr));
  for (const gr of low) remaining.delete(gr);
  const admission = ADMISSION_RESOURCES.filter((gr) => remaining.has(gr));
  for (const gr of admission) remaining.delete(gr);
  if (remaining.size > 0) tiers.push({ label: 'other resources', groupResources: [...remaining].sort(), kind: 'resources' });
  if (admission.length > 0) tiers.push({ label: 'admission configuration', groupResources: admission, kind: 'resources' });
  for (const gr of low) tiers.push({ label: gr, groupResources: [gr], kind: 'resources' });
  return tiers;
}
