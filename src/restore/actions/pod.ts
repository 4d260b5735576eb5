/**
 * @module restore/actions/pod: `velero.io/add-pvc-from-pod` (a pod's claims come along with it) and
 * `velero.io/pod` (strip what ties a pod to its old node, priority admission and legacy SA tokens).
 */
import type { ResourceIdentifier, RestoreItemAction } from './types.ts';
import { dig, records } from './support.ts';

export const addPvcFromPodAction: RestoreItemAction = {
  name: 'velero.io/add-pvc-from-pod',
  appliesTo: { includedResources: ['pods'] },
  async execute(item) {
    const volumes = records(dig(item, ['spec'])?.volumes);
    const claims = new Set<string>();
    for (const v of volumes) {
      const claim = dig(v, ['persistentVolumeClaim'])?.claimName;
      if (typeof claim === 'string' && claim !== '') claims.add(claim);
    }
    // The backed-up (source) namespace: the engine looks additional items up in the backup and maps them itself.
    const additionalItems: ResourceIdentifier[] = [...claims].map((name) => ({
      group: '', resource: 'persistentvolumeclaims', namespace: item.metadata.namespace, name,
    }));
    return { item, additionalItems };
  },
};

export const podAction: RestoreItemAction = {
  name: 'velero.io/pod',
  appliesTo: { includedResources: ['pods'] },
  async execute(item) {
    const pod = structuredClone(item);
    const spec = dig(pod, ['spec']);
    if (!spec) return { item: pod };
    // The scheduler must place the pod afresh, and the Priority admission plugin rejects a pod whose
    // `priority` was set by anyone but itself (it recomputes it from priorityClassName).
    delete spec.nodeName;
    delete spec.priority;
    dropServiceAccountTokenVolumes(spec);
    const priorityClass = spec.priorityClassName;
    const additionalItems: ResourceIdentifier[] = typeof priorityClass === 'string' && priorityClass !== ''
      ? [{ group: 'scheduling.k8s.io', resource: 'priorityclasses', name: priorityClass }]
      : [];
    return { item: pod, additionalItems };
  },
};

/**
 * Legacy (pre-1.24) pods mount their ServiceAccount's auto-generated `<sa>-token-xxxxx` secret. That
 * secret is not restored (see `velero.io/secret`), so the volume and its mounts would keep the pod
 * from starting; the ServiceAccount admission plugin mounts a fresh token instead.
 */
function dropServiceAccountTokenVolumes(spec: Record<string, unknown>): void {
  const sa = spec.serviceAccountName ?? spec.serviceAccount;
  if (typeof sa !== 'string' || sa === '') return;
  const prefix = `${sa}-token-`;
  const keep = (v: Record<string, unknown>): boolean => !(typeof v.name === 'string' && v.name.startsWith(prefix));
  if (Array.isArray(spec.volumes)) spec.volumes = records(spec.volumes).filter(keep);
  for (const field of ['containers', 'initContainers', 'ephemeralContainers']) {
    for (const c of records(spec[field])) {
      if (Array.isArray(c.volumeMounts)) c.volumeMounts = records(c.volumeMounts).filter(keep);
    }
  }
}
