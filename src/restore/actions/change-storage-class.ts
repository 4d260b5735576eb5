/**
 * @module restore/actions/change-storage-class: `velero.io/change-storage-class` — map storage class
 * names (ConfigMap data `<old class>: <new class>`) on PVs, PVCs and StatefulSet claim templates.
 */
import type { ResourceRef } from '../../kube/index.ts';
import type { RestoreItemAction, RestoreItemActionContext } from './types.ts';
import { dig, ensureRecord, findPluginConfig, isRecord, records, type PluginConfig } from './support.ts';

const NAME = 'velero.io/change-storage-class';

/**
 * The pre-`storageClassName` way of naming a class. The API server rejects a claim whose annotation
 * and field disagree, so when we map one we must map the other too (Velero maps only the field).
 */
const BETA_CLASS_ANNOTATION = 'volume.beta.kubernetes.io/storage-class';

/** Used when discovery cannot name the resource (storage.k8s.io/v1 is served by every supported cluster). */
const STORAGE_CLASSES: ResourceRef = { group: 'storage.k8s.io', version: 'v1', resource: 'storageclasses', namespaced: false };

export const changeStorageClassAction: RestoreItemAction = {
  name: NAME,
  appliesTo: { includedResources: ['persistentvolumes', 'persistentvolumeclaims', 'statefulsets.apps'] },
  async execute(item, ctx) {
    const config = await findPluginConfig(ctx, NAME);
    if (!config || Object.keys(config.data).length === 0) return { item };
    const out = structuredClone(item);
    // StatefulSets carry classes in their claim templates; PVs and PVCs on themselves.
    const targets = item.kind === 'StatefulSet' ? records(dig(out, ['spec'])?.volumeClaimTemplates) : [out];
    let changed = false;
    for (const target of targets) changed = (await remapClass(target, config, ctx)) || changed;
    return { item: changed ? out : item };
  },
};

/** Maps the class of one PV, PVC or claim template in place; true when it changed. */
async function remapClass(obj: Record<string, unknown>, config: PluginConfig, ctx: RestoreItemActionContext): Promise<boolean> {
  const spec = dig(obj, ['spec']);
  const annotations = dig(obj, ['metadata', 'annotations']);
  let changed = false;
  const field = spec?.storageClassName;
  const newField = await mappedClass(field, config, ctx);
  if (spec && newField !== undefined) {
    spec.storageClassName = newField;
    changed = true;
  }
  const newAnnotation = await mappedClass(annotations?.[BETA_CLASS_ANNOTATION], config, ctx);
  if (newAnnotation !== undefined && isRecord(obj.metadata)) {
    ensureRecord(obj.metadata, 'annotations')[BETA_CLASS_ANNOTATION] = newAnnotation;
    changed = true;
  }
  return changed;
}

/** The class `name` maps to, after checking it exists; undefined when `name` is not mapped. */
async function mappedClass(name: unknown, config: PluginConfig, ctx: RestoreItemActionContext): Promise<string | undefined> {
  if (typeof name !== 'string' || name === '') return undefined;
  const mapped = config.data[name];
  if (mapped === undefined) return undefined;
  // Claims naming a missing class stay Pending forever; failing the item makes the mistake visible.
  const ref = ctx.cluster.resource('storageclasses.storage.k8s.io') ?? STORAGE_CLASSES;
  if (!(await ctx.cluster.get(ref, mapped))) {
    throw new Error(`storage class "${mapped}" (mapped from "${name}" by ${NAME} ConfigMap "${config.name}") does not exist in the cluster`);
  }
  return mapped;
}
