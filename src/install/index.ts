/** @module install: what `skiff install` creates (pure manifests from options), applying them, and uninstalling. */
export {
  defaultImage,
  defaultInstallOptions,
  installProblems,
  IMAGE_REPOSITORY,
  RBAC_MODES,
  DEFAULT_SERVER_RESOURCES,
  DEFAULT_NODE_AGENT_RESOURCES,
  DEFAULT_KUBELET_ROOT_DIR,
  RESERVED_POD_LABELS,
  type InstallOptions,
  type ContainerResources,
  type RbacMode,
} from './options.ts';
export { installManifests, resourceManifests, podSecurityLevel } from './manifests.ts';
export { serverArgs, nodeAgentArgs, imagePullPolicy, resourceRequirements } from './workloads.ts';
export { clusterBindingName, LEAST_PRIVILEGE_CLUSTER_RULES, LEAST_PRIVILEGE_NAMESPACE_RULES, type PolicyRule } from './rbac.ts';
export * from './names.ts';
export { parseQuantity } from './quantity.ts';
export { InstallResources, refOf } from './refs.ts';
export {
  applyCrds,
  applyObject,
  applyObjects,
  waitReady,
  deploymentNotReady,
  daemonSetNotReady,
  INSTALL_FIELD_MANAGER,
  DEFAULT_ESTABLISH_TIMEOUT_MS,
  DEFAULT_READY_TIMEOUT_MS,
  type ApplyCrdsOptions,
  type WaitReadyOptions,
  type Progress,
} from './apply.ts';
export { uninstall, releaseFinalizers, SERVER_FINALIZERS, type UninstallOptions } from './uninstall.ts';
