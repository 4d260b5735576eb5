/** @module api/backup: the Backup kind (velero.io/v1) — spec (also a Schedule's template), hooks and status. */
import { BACKUP_PHASES, GROUP_VERSION_V1, HOOK_ERROR_MODES } from './labels.ts';
import {
  Duration,
  HookStatusSchema,
  Int,
  KubeObjectSchema,
  LabelSelectorSchema,
  Nullable,
  NullableBool,
  StringEnum,
  StringList,
  StringMap,
  Time,
  Type,
  TypedLocalObjectReferenceSchema,
  type Static,
} from './schema-kit.ts';

/** An exec hook run in a pod's container before or after the pod is backed up. */
export const ExecHookSchema = Type.Object({
  container: Type.Optional(Type.String({ description: 'Defaults to the pod\'s first container.' })),
  command: Type.Array(Type.String(), { minItems: 1 }),
  onError: Type.Optional(StringEnum(HOOK_ERROR_MODES, { description: 'Only an explicit Fail stops the remaining hooks.' })),
  timeout: Type.Optional(Duration({ description: 'Effective default 30s.' })),
});
export type ExecHook = Static<typeof ExecHookSchema>;

export const BackupResourceHookSchema = Type.Object({
  exec: ExecHookSchema,
});
export type BackupResourceHook = Static<typeof BackupResourceHookSchema>;

/** Hooks for the pods matched by namespaces, resources and a label selector. */
export const BackupResourceHookSpecSchema = Type.Object({
  name: Type.String(),
  includedNamespaces: Type.Optional(Nullable(StringList())),
  excludedNamespaces: Type.Optional(Nullable(StringList())),
  includedResources: Type.Optional(Nullable(StringList())),
  excludedResources: Type.Optional(Nullable(StringList())),
  labelSelector: Type.Optional(Nullable(LabelSelectorSchema)),
  pre: Type.Optional(Type.Array(BackupResourceHookSchema)),
  post: Type.Optional(Type.Array(BackupResourceHookSchema)),
});
export type BackupResourceHookSpec = Static<typeof BackupResourceHookSpecSchema>;

export const BackupHooksSchema = Type.Object({
  resources: Type.Optional(Nullable(Type.Array(BackupResourceHookSpecSchema))),
});
export type BackupHooks = Static<typeof BackupHooksSchema>;

export const UploaderConfigForBackupSchema = Type.Object({
  parallelFilesUpload: Type.Optional(Int({ description: 'Kopia upload concurrency.' })),
});
export type UploaderConfigForBackup = Static<typeof UploaderConfigForBackupSchema>;

/** BackupSpec. Every field is optional; the server fills in defaults (ttl, timeouts, storage location, ...). */
export const BackupSpecSchema = Type.Object({
  metadata: Type.Optional(
    Type.Object({ labels: Type.Optional(StringMap()) }, { description: 'Labels for backups created from a Schedule template.' }),
  ),
  includedNamespaces: Type.Optional(Nullable(StringList({ description: 'Empty means all; globs allowed.' }))),
  excludedNamespaces: Type.Optional(Nullable(StringList())),
  includedResources: Type.Optional(Nullable(StringList())),
  excludedResources: Type.Optional(Nullable(StringList())),
  includedClusterScopedResources: Type.Optional(Nullable(StringList())),
  excludedClusterScopedResources: Type.Optional(Nullable(StringList())),
  includedNamespaceScopedResources: Type.Optional(Nullable(StringList())),
  excludedNamespaceScopedResources: Type.Optional(Nullable(StringList())),
  labelSelector: Type.Optional(Nullable(LabelSelectorSchema)),
  orLabelSelectors: Type.Optional(Nullable(Type.Array(LabelSelectorSchema))),
  snapshotVolumes: Type.Optional(NullableBool()),
  ttl: Type.Optional(Duration({ description: 'Retention; 0 or unset means the server default (720h).' })),
  includeClusterResources: Type.Optional(NullableBool()),
  hooks: Type.Optional(BackupHooksSchema),
  storageLocation: Type.Optional(Type.String()),
  volumeSnapshotLocations: Type.Optional(StringList()),
  defaultVolumesToRestic: Type.Optional(NullableBool({ description: 'Deprecated: copied into defaultVolumesToFsBackup.' })),
  defaultVolumesToFsBackup: Type.Optional(NullableBool()),
  orderedResources: Type.Optional(Nullable(StringMap({ description: 'resource → comma-separated ns/name list.' }))),
  csiSnapshotTimeout: Type.Optional(Duration()),
  itemOperationTimeout: Type.Optional(Duration()),
  resourcePolicy: Type.Optional(Nullable(TypedLocalObjectReferenceSchema)),
  snapshotMoveData: Type.Optional(NullableBool()),
  datamover: Type.Optional(Type.String()),
  uploaderConfig: Type.Optional(Nullable(UploaderConfigForBackupSchema)),
  volumeGroupSnapshotLabelKey: Type.Optional(Type.String()),
});
export type BackupSpec = Static<typeof BackupSpecSchema>;

export const BackupProgressSchema = Type.Object({
  totalItems: Type.Optional(Int()),
  itemsBackedUp: Type.Optional(Int()),
});
export type BackupProgress = Static<typeof BackupProgressSchema>;

export const BackupStatusSchema = Type.Object({
  version: Type.Optional(Int({ description: 'Deprecated major format version; always 1.' })),
  formatVersion: Type.Optional(Type.String()),
  expiration: Type.Optional(Time()),
  phase: Type.Optional(StringEnum(BACKUP_PHASES)),
  queuePosition: Type.Optional(Int()),
  validationErrors: Type.Optional(Nullable(StringList())),
  startTimestamp: Type.Optional(Time()),
  completionTimestamp: Type.Optional(Time()),
  volumeSnapshotsAttempted: Type.Optional(Int()),
  volumeSnapshotsCompleted: Type.Optional(Int()),
  failureReason: Type.Optional(Type.String()),
  warnings: Type.Optional(Int()),
  errors: Type.Optional(Int()),
  progress: Type.Optional(Nullable(BackupProgressSchema)),
  csiVolumeSnapshotsAttempted: Type.Optional(Int()),
  csiVolumeSnapshotsCompleted: Type.Optional(Int()),
  backupItemOperationsAttempted: Type.Optional(Int()),
  backupItemOperationsCompleted: Type.Optional(Int()),
  backupItemOperationsFailed: Type.Optional(Int()),
  hookStatus: Type.Optional(Nullable(HookStatusSchema)),
});
export type BackupStatus = Static<typeof BackupStatusSchema>;

export const BackupSchema = KubeObjectSchema(
  GROUP_VERSION_V1,
  'Backup',
  BackupSpecSchema,
  BackupStatusSchema,
  'A backup of Kubernetes resources (and volume data) into a backup storage location.',
);
export type Backup = Static<typeof BackupSchema>;
