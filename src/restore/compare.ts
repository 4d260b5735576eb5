/**
 * @module restore/compare: what the user controls in an object, and where two versions of an object differ
 * in it. The disaster drill and the tests compare each object before the disaster with its restored copy:
 * fields the cluster assigns (uids, versions, timestamps, a Service's cluster IP and allocated node ports,
 * the node a pod was scheduled to, owner references to owners that were recreated, status) and the
 * restore's own labels do not count.
 */
import type { KubeObject } from '../kube/index.ts';
import { LABEL_BACKUP_NAME, LABEL_RESTORE_NAME } from '../api/index.ts';

/** `generateName` too: it only matters at create time, and a restore drops it (Velero's rule), so it never survives one. */
const SERVER_METADATA = ['uid', 'resourceVersion', 'generation', 'creationTimestamp', 'deletionTimestamp', 'deletionGracePeriodSeconds', 'managedFields', 'selfLink', 'ownerReferences', 'generateName'];
/** Written by controllers as they bind claims and volumes again. */
const BINDING_ANNOTATIONS = ['pv.kubernetes.io/bind-completed', 'pv.kubernetes.io/bound-by-controller', 'pv.kubernetes.io/provisioned-by', 'volume.kubernetes.io/storage-provisioner', 'volume.beta.kubernetes.io/storage-provisioner', 'volume.kubernetes.io/selected-node'];
/** Maintained by controllers from the pods that run: only their existence is compared. */
const CONTROLLER_OWNED = new Set(['endpoints', 'endpointslices.discovery.k8s.io', 'events', 'events.events.k8s.io', 'leases.coordination.k8s.io']);

/** The object reduced to what its user controls. */
export function userFields(groupResource: string, obj: KubeObject): KubeObject {
  const o = structuredClone(obj) as KubeObject & Record<string, unknown>;
  delete o.status;
  const meta = o.metadata as Record<string, unknown>;
  for (const k of SERVER_METADATA) delete meta[k];
  const labels = { ...(o.metadata.labels ?? {}) };
  delete labels[LABEL_BACKUP_NAME];
  delete labels[LABEL_RESTORE_NAME];
  o.metadata.labels = labels;
  const annotations = { ...(o.metadata.annotations ?? {}) };
  for (const k of BINDING_ANNOTATIONS) delete annotations[k];
  o.metadata.annotations = annotations;
  if (CONTROLLER_OWNED.has(groupResource)) return { apiVersion: o.apiVersion, kind: o.kind, metadata: { name: o.metadata.name, namespace: o.metadata.namespace } } as KubeObject;
  const spec = (o.spec ?? {}) as Record<string, unknown>;
  if (groupResource === 'services') {
    delete spec.clusterIP;
    delete spec.clusterIPs;
    delete spec.healthCheckNodePort;
    for (const p of (spec.ports ?? []) as Array<Record<string, unknown>>) delete p.nodePort;
  }
  if (groupResource === 'pods') delete spec.nodeName;
  if (groupResource === 'jobs.batch') dropJobControllerUid(spec);
  if (groupResource === 'persistentvolumes') {
    const claim = spec.claimRef as Record<string, unknown> | undefined;
    if (claim) {
      delete claim.uid;
      delete claim.resourceVersion;
    }
  }
  return o;
}

/** The job controller labels its selector and pod template with the Job's uid, which a restore changes. */
function dropJobControllerUid(spec: Record<string, unknown>): void {
  const selector = spec.selector as { matchLabels?: Record<string, string> } | undefined;
  const template = spec.template as { metadata?: { labels?: Record<string, string> } } | undefined;
  for (const labels of [selector?.matchLabels, template?.metadata?.labels]) {
    if (!labels) continue;
    for (const k of ['controller-uid', 'batch.kubernetes.io/controller-uid']) delete labels[k];
  }
}

/** JSON paths where two values differ (`spec.replicas`, `metadata.labels.app`), at most `limit` of them. */
export function differences(a: unknown, b: unknown, limit = 20, path = ''): string[] {
  const out: string[] = [];
  walk(a, b, path, out, limit);
  return out;
}

function walk(a: unknown, b: unknown, path: string, out: string[], limit: number): void {
  if (out.length >= limit || a === b) return;
  const bothObjects = typeof a === 'object' && typeof b === 'object' && a !== null && b !== null && Array.isArray(a) === Array.isArray(b);
  if (!bothObjects) {
    if (!emptyish(a) || !emptyish(b)) out.push(path || '<root>');
    return;
  }
  if (Array.isArray(a)) {
    const bb = b as unknown[];
    for (let i = 0; i < Math.max(a.length, bb.length); i++) walk(a[i], bb[i], `${path}[${i}]`, out, limit);
    return;
  }
  const ra = a as Record<string, unknown>;
  const rb = b as Record<string, unknown>;
  for (const k of [...new Set([...Object.keys(ra), ...Object.keys(rb)])].sort()) walk(ra[k], rb[k], path ? `${path}.${k}` : k, out, limit);
}

/** An absent field and an empty map or list say the same thing. */
function emptyish(v: unknown): boolean {
  return v === undefined || v === null || (typeof v === 'object' && Object.keys(v as object).length === 0);
}
