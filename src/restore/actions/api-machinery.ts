/**
 * @module restore/actions/api-machinery: actions for objects that extend the API server —
 * `velero.io/admission-webhook-configuration`, `velero.io/apiservice` and `velero.io/crd-preserve-fields`.
 */
import type { RestoreItemAction } from './types.ts';
import { dig, ensureRecord, isRecord, records } from './support.ts';

/** The only side-effect classes admissionregistration.k8s.io/v1 accepts. */
const V1_SIDE_EFFECTS = new Set(['None', 'NoneOnDryRun']);

export const admissionWebhookConfigurationAction: RestoreItemAction = {
  name: 'velero.io/admission-webhook-configuration',
  appliesTo: {
    includedResources: [
      'mutatingwebhookconfigurations.admissionregistration.k8s.io',
      'validatingwebhookconfigurations.admissionregistration.k8s.io',
    ],
  },
  async execute(item) {
    // Only v1 is strict about sideEffects; objects of other versions are left as they are.
    if (item.apiVersion !== 'admissionregistration.k8s.io/v1') return { item };
    const out = structuredClone(item);
    // Objects converted from v1beta1 may say `Unknown`/`Some` (or nothing), which v1 rejects on create.
    for (const hook of records(out.webhooks)) {
      if (typeof hook.sideEffects !== 'string' || !V1_SIDE_EFFECTS.has(hook.sideEffects)) hook.sideEffects = 'None';
    }
    return { item: out };
  },
};

/** Label the kube-aggregator puts on the APIServices it creates for built-in groups. */
const AUTOMANAGED = 'kube-aggregator.kubernetes.io/automanaged';

export const apiServiceAction: RestoreItemAction = {
  name: 'velero.io/apiservice',
  appliesTo: { includedResources: ['apiservices.apiregistration.k8s.io'], labelSelector: AUTOMANAGED },
  async execute(item) {
    // The target cluster's aggregator owns these; restoring them would fight it. The engine already
    // filters on the label; checking again keeps the action correct if called without that filter.
    const automanaged = Object.hasOwn(item.metadata.labels ?? {}, AUTOMANAGED);
    return automanaged ? { item, skip: true } : { item };
  },
};

export const crdPreserveFieldsAction: RestoreItemAction = {
  name: 'velero.io/crd-preserve-fields',
  appliesTo: { includedResources: ['customresourcedefinitions.apiextensions.k8s.io'] },
  async execute(item) {
    if (item.apiVersion !== 'apiextensions.k8s.io/v1' || dig(item, ['spec'])?.preserveUnknownFields !== true) return { item };
    // v1 CRDs may not set spec.preserveUnknownFields=true (only v1beta1 allowed it); the same meaning is
    // expressed per version with x-kubernetes-preserve-unknown-fields on the root schema.
    const crd = structuredClone(item);
    const spec = dig(crd, ['spec'])!;
    spec.preserveUnknownFields = false;
    for (const version of records(spec.versions)) {
      const schema = ensureRecord(version, 'schema');
      // A v1 structural schema needs a root; an absent one becomes an open object.
      if (!isRecord(schema.openAPIV3Schema)) schema.openAPIV3Schema = { type: 'object' };
      ensureRecord(schema, 'openAPIV3Schema')['x-kubernetes-preserve-unknown-fields'] = true;
    }
    return { item: crd };
  },
};
