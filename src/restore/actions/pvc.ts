/**
 * @module restore/actions/pvc: `velero.io/pvc` (reset a claim's binding and provisioning bookkeeping,
 * bring its volume along) and `velero.io/change-pvc-node-selector` (map the claim's selected node).
 *
 * Decision on selected-node: current Velero always drops `volume.kubernetes.io/selected-node` (a node
 * of the old cluster would pin provisioning to a node that may not exist or not suit the restored pod),
 * while older Velero documented a plugin ConfigMap (labels `velero.io/plugin-config` and
 * `velero.io/change-pvc-node-selector: RestoreItemAction`, data `<old node>: <new node>`) to move it to
 * another node. We honour both: `velero.io/pvc` drops it, and `velero.io/change-pvc-node-selector`,
 * which runs right after it, sets it to the mapped node when the ConfigMap maps the backed-up node and
 * that node exists. Running after `velero.io/pvc` (rather than at its alphabetical place, before it)
 * is what lets the mapping survive; it reads the node from the backed-up claim for that reason.
 */
import { Resources } from '../../kube/index.ts';
import type { ResourceIdentifier, RestoreItemAction } from './types.ts';
import { dig, findPluginConfig } from './support.ts';

const SELECTED_NODE = 'volume.kubernetes.io/selected-node';

/** Annotations the PV controller, provisioners and Velero's own CSI/data-mover actions put on a claim. */
const STALE_ANNOTATIONS = [
  'pv.kubernetes.io/bind-completed',
  'pv.kubernetes.io/bound-by-controller',
  'volume.kubernetes.io/storage-provisioner',
  'volume.beta.kubernetes.io/storage-provisioner',
  SELECTED_NODE,
  'velero.io/volume-snapshot-name',
  'velero.io/data-upload-name',
];

export const pvcAction: RestoreItemAction = {
  name: 'velero.io/pvc',
  appliesTo: { includedResources: ['persistentvolumeclaims'] },
  async execute(item, ctx) {
    const pvc = structuredClone(item);
    const annotations = pvc.metadata.annotations;
    if (annotations) for (const key of STALE_ANNOTATIONS) delete annotations[key];
    // Status was stripped from the item before actions ran; the backed-up claim still says if it was bound.
    const backedUp = ctx.itemFromBackup;
    const volume = dig(backedUp, ['spec'])?.volumeName;
    const bound = dig(backedUp, ['status'])?.phase === 'Bound' && typeof volume === 'string' && volume !== '';
    const additionalItems: ResourceIdentifier[] = bound ? [{ group: '', resource: 'persistentvolumes', name: volume }] : [];
    return { item: pvc, additionalItems };
  },
};

const NODE_SELECTOR = 'velero.io/change-pvc-node-selector';

export const changePvcNodeSelectorAction: RestoreItemAction = {
  name: NODE_SELECTOR,
  appliesTo: { includedResources: ['persistentvolumeclaims'] },
  async execute(item, ctx) {
    const oldNode = ctx.itemFromBackup.metadata.annotations?.[SELECTED_NODE];
    // Without a backed-up node there is nothing to map (and no ConfigMap lookup to fail on).
    const newNode = oldNode ? (await findPluginConfig(ctx, NODE_SELECTOR))?.data[oldNode] : undefined;
    const pvc = structuredClone(item);
    const annotations = pvc.metadata.annotations;
    if (!newNode) {
      // Not mapped: leave the claim without a node, as `velero.io/pvc` does (also when it did not run).
      if (annotations?.[SELECTED_NODE] === undefined) return { item };
      delete annotations[SELECTED_NODE];
      return { item: pvc };
    }
    // A claim pinned to a missing node is never provisioned; unpinned, it follows its pod's scheduling.
    if (!(await ctx.cluster.get(Resources.nodes, newNode))) {
      ctx.warn(`${NODE_SELECTOR}: node "${newNode}" (mapped from "${oldNode}") does not exist; the claim's selected node is removed instead`);
      if (annotations) delete annotations[SELECTED_NODE];
      return { item: pvc };
    }
    pvc.metadata.annotations = { ...annotations, [SELECTED_NODE]: newNode };
    return { item: pvc };
  },
};
