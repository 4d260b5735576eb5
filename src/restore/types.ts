/**
 * @module restore/types: the parts of the velero.io Restore the engine reads and writes. Structurally
 * compatible with src/api's generated types, which callers pass in.
 */
import type { KubeObject, LabelSelector } from '../kube/index.ts';

export interface RestoreSpecLike {
  backupName?: string;
  scheduleName?: string;
  includedNamespaces?: string[] | null;
  excludedNamespaces?: string[] | null;
  includedResources?: string[] | null;
  excludedResources?: string[] | null;
  namespaceMapping?: Record<string, string>;
  labelSelector?: LabelSelector | null;
  orLabelSelectors?: LabelSelector[] | null;
  restorePVs?: boolean | null;
  restoreStatus?: { includedResources?: string[] | null; excludedResources?: string[] | null } | null;
  preserveNodePorts?: boolean | null;
  includeClusterResources?: boolean | null;
  hooks?: { resources?: RestoreHookSpecLike[] };
  existingResourcePolicy?: string | null;
  itemOperationTimeout?: string;
  resourceModifier?: { apiGroup?: string | null; kind?: string; name?: string } | null;
  uploaderConfig?: Record<string, unknown> | null;
  [key: string]: unknown;
}

export interface RestoreHookSpecLike {
  name?: string;
  includedNamespaces?: string[] | null;
  excludedNamespaces?: string[] | null;
  labelSelector?: LabelSelector | null;
  postHooks?: Array<{ exec?: Record<string, unknown>; init?: { initContainers?: Array<Record<string, unknown>>; timeout?: string } }>;
  [key: string]: unknown;
}

export interface RestoreStatusLike {
  phase?: string;
  validationErrors?: string[] | null;
  warnings?: number;
  errors?: number;
  failureReason?: string;
  startTimestamp?: string;
  completionTimestamp?: string;
  progress?: { totalItems?: number; itemsRestored?: number } | null;
  [key: string]: unknown;
}

export interface RestoreLike extends KubeObject {
  spec?: RestoreSpecLike;
  status?: RestoreStatusLike;
}

/** What happened to one item, as the restore's resource list records it. */
export type ItemOutcome = 'created' | 'updated' | 'failed' | 'skipped';
