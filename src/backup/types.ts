/**
 * @module backup/types: the parts of the velero.io objects the backup engine reads and writes.
 * Structurally compatible with src/api's generated types, which callers pass in.
 */
import type { KubeObject, LabelSelector } from '../kube/index.ts';

export interface BackupSpecLike {
  includedNamespaces?: string[] | null;
  excludedNamespaces?: string[] | null;
  includedResources?: string[] | null;
  excludedResources?: string[] | null;
  includeClusterResources?: boolean | null;
  includedClusterScopedResources?: string[] | null;
  excludedClusterScopedResources?: string[] | null;
  includedNamespaceScopedResources?: string[] | null;
  excludedNamespaceScopedResources?: string[] | null;
  labelSelector?: LabelSelector | null;
  orLabelSelectors?: LabelSelector[] | null;
  snapshotVolumes?: boolean | null;
  ttl?: string;
  storageLocation?: string;
  volumeSnapshotLocations?: string[];
  defaultVolumesToRestic?: boolean | null;
  defaultVolumesToFsBackup?: boolean | null;
  snapshotMoveData?: boolean | null;
  orderedResources?: Record<string, string>;
  csiSnapshotTimeout?: string;
  itemOperationTimeout?: string;
  volumeGroupSnapshotLabelKey?: string;
  hooks?: { resources?: unknown[] | null };
  resourcePolicy?: unknown;
  [key: string]: unknown;
}

export interface BackupStatusLike {
  version?: number;
  formatVersion?: string;
  expiration?: string;
  phase?: string;
  validationErrors?: string[];
  startTimestamp?: string;
  completionTimestamp?: string;
  failureReason?: string;
  warnings?: number;
  errors?: number;
  progress?: { totalItems?: number; itemsBackedUp?: number };
  [key: string]: unknown;
}

export interface BackupLike extends KubeObject {
  spec?: BackupSpecLike;
  status?: BackupStatusLike;
}

export interface LocationLike extends KubeObject {
  spec?: {
    provider?: string;
    default?: boolean;
    accessMode?: string;
    objectStorage?: { bucket?: string; prefix?: string; caCert?: string };
    config?: Record<string, string>;
    [key: string]: unknown;
  };
  status?: { phase?: string; message?: string; [key: string]: unknown };
}
