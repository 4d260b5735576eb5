/** @module kube: the Kubernetes access layer (config, transport, discovery, dynamic client, watch, informer, exec). */
export { KubeClient, type KubeClientOptions, type GetOptions, type WriteOptions, type PatchOptions, type PatchType, type DeleteOptions, type ObjectOptions } from './client.ts';
export { Transport, type TransportOptions, type TransportStats, type RequestOptions, type RetryOptions, type ResponseInfo } from './transport.ts';
export { Discovery, type ApiGroupInfo, type DiscoveryFailure } from './discovery.ts';
export { listPages, type ListOptions, type ListPage } from './pager.ts';
export { watchEvents, type WatchOptions } from './watch.ts';
export { Informer, type InformerOptions, type InformerHandlers, type InformerStats } from './informer.ts';
export { ObjectCache, type IndexFunc } from './store.ts';
export { execInPod, ExecError, type ExecOptions, type ExecResult } from './exec.ts';
export {
  KubeApiError,
  KubeTransportError,
  isAlreadyExists,
  isConflict,
  isForbidden,
  isInvalid,
  isNotFound,
  isResourceExpired,
  isTooManyRequests,
  isTransient,
} from './errors.ts';
export { resourcePath, objectKey } from './paths.ts';
export { Resources } from './well-known.ts';
export { loadKubeConfig, listContexts, type KubeConfigOptions, type ClusterConnection } from './kubeconfig.ts';
export type { CredentialSource, ClientTls } from './credentials.ts';
export * from './types.ts';
export {
  parseLabelSelector, formatLabelSelector, matchesLabelSelector, parseOrSelectors, validLabelKey, validLabelValue, SelectorError,
  type LabelSelector, type LabelSelectorRequirement, type SelectorOperator,
} from './selectors.ts';
