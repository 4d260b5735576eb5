/**
 * @module restore/modifiers/strategic-schema: the patch strategies of built-in Kubernetes types, as the
 * `patchStrategy`/`patchMergeKey` struct tags of k8s.io/api declare them.
 *
 * Kubernetes reads these from Go types; Skiff has no Go types, so this table lists the fields that merge
 * rather than replace. A field not listed merges as a map if it is an object and is replaced whole if it is a
 * list — which is right for every atomic list (tolerations, rules, args, command, …). Only the kinds that
 * carry a merging list below their metadata have entries beyond ObjectMeta; status is left out, because a
 * restore does not patch status.
 */

/** How one field merges. */
export interface FieldSchema {
  /** `merge`: a list of objects merges element by element on `mergeKey`; a list of scalars merges as a set. */
  readonly strategy?: 'merge';
  readonly mergeKey?: string;
  /** The schema of the field's value (an object) or of each element (a list of objects). */
  readonly type?: TypeSchema;
}

/** Field name → how it merges. */
export type TypeSchema = Readonly<Record<string, FieldSchema>>;

const byKey = (mergeKey: string, type?: TypeSchema): FieldSchema => (type ? { strategy: 'merge', mergeKey, type } : { strategy: 'merge', mergeKey });
const nested = (type: TypeSchema): FieldSchema => ({ type });
/** A list of strings merged as a set (`finalizers`, `podCIDRs`). */
const scalarSet: FieldSchema = { strategy: 'merge' };

export const OBJECT_META: TypeSchema = {
  finalizers: scalarSet,
  ownerReferences: byKey('uid'),
};

const CONTAINER: TypeSchema = {
  ports: byKey('containerPort'),
  env: byKey('name'),
  volumeMounts: byKey('mountPath'),
  volumeDevices: byKey('devicePath'),
};

const POD_SPEC: TypeSchema = {
  containers: byKey('name', CONTAINER),
  initContainers: byKey('name', CONTAINER),
  ephemeralContainers: byKey('name', CONTAINER),
  volumes: byKey('name'),
  imagePullSecrets: byKey('name'),
  hostAliases: byKey('ip'),
  topologySpreadConstraints: byKey('topologyKey'),
  resourceClaims: byKey('name'),
  schedulingGates: byKey('name'),
};

const POD_TEMPLATE_SPEC: TypeSchema = { metadata: nested(OBJECT_META), spec: nested(POD_SPEC) };
const WITH_TEMPLATE: TypeSchema = { spec: nested({ template: nested(POD_TEMPLATE_SPEC) }) };
const CRON_JOB: TypeSchema = {
  spec: nested({ jobTemplate: nested({ metadata: nested(OBJECT_META), spec: nested({ template: nested(POD_TEMPLATE_SPEC) }) }) }),
};
const WEBHOOKS: TypeSchema = { webhooks: byKey('name') };

/** `group/Kind` (core group: `Kind`) → the fields below the object's root that merge. */
const KIND_FIELDS: Readonly<Record<string, TypeSchema>> = {
  Pod: { spec: nested(POD_SPEC) },
  PodTemplate: { template: nested(POD_TEMPLATE_SPEC) },
  ReplicationController: WITH_TEMPLATE,
  Service: { spec: nested({ ports: byKey('port') }) },
  ServiceAccount: { secrets: byKey('name'), imagePullSecrets: byKey('name') },
  Node: { spec: nested({ podCIDRs: scalarSet }) },
  'apps/Deployment': WITH_TEMPLATE,
  'apps/ReplicaSet': WITH_TEMPLATE,
  'apps/StatefulSet': WITH_TEMPLATE,
  'apps/DaemonSet': WITH_TEMPLATE,
  'batch/Job': WITH_TEMPLATE,
  'batch/CronJob': CRON_JOB,
  'admissionregistration.k8s.io/MutatingWebhookConfiguration': WEBHOOKS,
  'admissionregistration.k8s.io/ValidatingWebhookConfiguration': WEBHOOKS,
};

/** Built-in kinds whose lists (below metadata) are all atomic: ObjectMeta is all they need. */
const METADATA_ONLY_KINDS = [
  'ConfigMap', 'Secret', 'PersistentVolumeClaim', 'PersistentVolume', 'Namespace', 'Endpoints', 'LimitRange',
  'ResourceQuota', 'Event', 'apps/ControllerRevision', 'rbac.authorization.k8s.io/Role',
  'rbac.authorization.k8s.io/ClusterRole', 'rbac.authorization.k8s.io/RoleBinding',
  'rbac.authorization.k8s.io/ClusterRoleBinding', 'networking.k8s.io/Ingress', 'networking.k8s.io/IngressClass',
  'networking.k8s.io/NetworkPolicy', 'storage.k8s.io/StorageClass', 'storage.k8s.io/CSIDriver',
  'storage.k8s.io/VolumeAttachment', 'policy/PodDisruptionBudget', 'autoscaling/HorizontalPodAutoscaler',
  'scheduling.k8s.io/PriorityClass', 'coordination.k8s.io/Lease', 'discovery.k8s.io/EndpointSlice',
  'apiextensions.k8s.io/CustomResourceDefinition', 'apiregistration.k8s.io/APIService',
  'certificates.k8s.io/CertificateSigningRequest', 'node.k8s.io/RuntimeClass',
];

/** The group part of an `apiVersion` (`apps/v1` → `apps`, `v1` → core ''). */
function groupOf(apiVersion: string): string {
  const slash = apiVersion.indexOf('/');
  return slash < 0 ? '' : apiVersion.slice(0, slash);
}

/**
 * The schema of a whole object of this kind, or undefined when the kind is not a built-in one Skiff knows.
 * Versions are not told apart: the merge strategies above are the same in every served version.
 */
export function schemaForKind(apiVersion: string, kind: string): TypeSchema | undefined {
  const group = groupOf(apiVersion);
  const id = group === '' ? kind : `${group}/${kind}`;
  const fields = Object.hasOwn(KIND_FIELDS, id) ? KIND_FIELDS[id] : METADATA_ONLY_KINDS.includes(id) ? {} : undefined;
  return fields && { metadata: nested(OBJECT_META), ...fields };
}

/** What unknown kinds (custom resources) get: ObjectMeta is the same for every object; all other lists replace. */
export const FALLBACK_SCHEMA: TypeSchema = { metadata: nested(OBJECT_META) };
