/**
 * @module restore/actions: Velero's built-in RestoreItemActions and their contract. Pod-volume restore,
 * data-upload retrieval and the CSI v2 actions live elsewhere and are not part of this list.
 */
import type { RestoreItemAction } from './types.ts';
import { admissionWebhookConfigurationAction, apiServiceAction, crdPreserveFieldsAction } from './api-machinery.ts';
import { changeImageNameAction } from './change-image-name.ts';
import { changeStorageClassAction } from './change-storage-class.ts';
import { initRestoreHookAction } from './init-restore-hook.ts';
import { jobAction } from './job.ts';
import { addPvcFromPodAction, podAction } from './pod.ts';
import { changePvcNodeSelectorAction, pvcAction } from './pvc.ts';
import { clusterRoleBindingsAction, roleBindingsAction } from './role-bindings.ts';
import { serviceAction } from './service.ts';
import { secretAction, serviceAccountAction } from './service-account.ts';

export type * from './types.ts';
export { findPluginConfig, PLUGIN_CONFIG_LABEL, type PluginConfig } from './support.ts';
export {
  addPvcFromPodAction, admissionWebhookConfigurationAction, apiServiceAction, changeImageNameAction, changeStorageClassAction,
  clusterRoleBindingsAction, crdPreserveFieldsAction, initRestoreHookAction, jobAction, podAction, pvcAction,
  changePvcNodeSelectorAction, roleBindingsAction, secretAction, serviceAction, serviceAccountAction,
};

/**
 * The built-in actions in Velero's execution order (registry order: names sorted alphabetically),
 * except `velero.io/change-pvc-node-selector`, placed right after `velero.io/pvc` so that a mapped
 * selected node is not removed again by it (see pvc.ts).
 */
export const BUILT_IN_RESTORE_ACTIONS: readonly RestoreItemAction[] = [
  addPvcFromPodAction,
  admissionWebhookConfigurationAction,
  apiServiceAction,
  changeImageNameAction,
  changeStorageClassAction,
  clusterRoleBindingsAction,
  crdPreserveFieldsAction,
  initRestoreHookAction,
  jobAction,
  podAction,
  pvcAction,
  changePvcNodeSelectorAction,
  roleBindingsAction,
  secretAction,
  serviceAction,
  serviceAccountAction,
];
