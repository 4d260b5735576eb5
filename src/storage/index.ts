/** @module storage: object stores (aws, local) behind one seam, and Velero's backup-store layout over them. */
export type { ObjectBody, ObjectInfo, ObjectOptions, ObjectStore, PutObjectOptions, StorageEnv, StorageLogger } from './object-store.ts';
export { StorageError, ObjectNotFoundError, isObjectNotFound, isStorageError, redact, type StorageErrorReason } from './errors.ts';
export { createObjectStore, canonicalProvider, PROVIDERS, LOCAL_CONFIG_KEYS, type CreateObjectStoreOptions, type ProviderName } from './registry.ts';
export { BackupStore, type BackupStoreOptions } from './backup-store.ts';
export { readObject } from './read.ts';
export {
  ObjectStoreLayout,
  normalizePrefix,
  VALID_TOP_LEVEL_DIRS,
  DOWNLOAD_TARGET_KINDS,
  DOWNLOAD_URL_TTL_MS,
  BACKUP_SIDECAR_SUFFIXES,
  RESTORE_SIDECAR_SUFFIXES,
  type BackupSidecarKind,
  type RestoreSidecarKind,
  type DownloadTarget,
  type DownloadTargetKind,
} from './layout.ts';
export {
  encodeSidecar,
  decodeSidecar,
  encodeBackupMetadata,
  goJson,
  type BackupObject,
  type BackupSidecars,
  type BackupSidecarTypes,
  type RestoreSidecarTypes,
  type ResourceList,
  type Results,
  type ResultEntries,
  type JsonObject,
} from './sidecars.ts';
// The S3 provider's classes are not re-exported: importing them loads the AWS SDK, which createObjectStore
// does only when a location uses it (import './aws/aws-object-store.ts' directly where they are needed).
export type { AwsObjectStoreOptions } from './aws/aws-object-store.ts';
export { AWS_CONFIG_KEYS, CHECKSUM_ALGORITHMS, parseAwsConfig, type AwsSettings } from './aws/config.ts';
export { LocalObjectStore, type LocalObjectStoreOptions } from './local/local-object-store.ts';
