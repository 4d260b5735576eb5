/** @module api/restore: the Restore kind (velero.io/v1) — spec, restore hooks and status. */
import { EXISTING_RESOURCE_POLICIES, GROUP_VERSION_V1, HOOK_ERROR_MODES, RESTORE_PHASES } from './labels.ts';
import {
  Duration,
  HookStatusSchema,
  Int,
  KnownString,
  KubeObjectSchema,
  LabelSelectorSchema,
  Nullable,
  NullableBool,
  PreservedObject,
  StringEnum,
  StringList,
  StringMap,
  Time,
  Type,
  TypedLocalObjectReferenceSchema,
  type Static,
} from './schema-kit.ts';

/** An exec hook run in a restored pod once it is up. */
export const ExecRestoreHookSchema = Type.Object({
  container: Type.Optional(Type.String()),
  command: Type.Array(Type.String(), { minItems: 1 }),
  onError: Type.Optional(StringEnum(HOOK_ERROR_MODES, { description: 'Effective default Continue.' })),
  execTimeout: Type.Optional(Duration({ description: 'Effective default 30s.' })),
  waitTimeout: Type.Optional(Duration()),
  waitForReady: Type.Optional(NullableBool()),
});
export type ExecRestoreHook = Static<typeof ExecRestoreHookSchema>;

/** Init containers added to a restored pod. They are raw Container objects, kept whole by the API server. */
export const InitRestoreHookSchema = Type.Object({
  initContainers: Type.Optional(Type.Array(PreservedObject({ description: 'A core/v1 Container.' }))),
  timeout: Type.Optional(Duration()),
});
export type InitRestoreHook = Static<typeof InitRestoreHookSchema>;

/** One of exec or init. */
export const RestoreResourceHookSchema = Type.Object({
  exec: Type.Optional(ExecRestoreHookSchema),
  init: Type.Optional(InitRestoreHookSchema),
});
export type RestoreResourceHook = Static<typeof RestoreResourceHookSchema>;

/** Hooks for the restored pods matched by namespaces, resources and a label selector. */
export const RestoreResourceHookSpecSchema = Type.Object({
  name: Type.String(),
  includedNamespaces: Type.Optional(Nullable(StringList())),
  excludedNamespaces: Type.Optional(Nullable(StringList())),
  includedResources: Type.Optional(Nullable(StringList())),
  excludedResources: Type.Optional(Nullable(StringList())),
  labelSelector: Type.Optional(Nullable(LabelSelectorSchema)),
  postHooks: Type.Optional(Type.Array(RestoreResourceHookSchema)),
});
export type RestoreResourceHookSpec = Static<typeof RestoreResourceHookSpecSchema>;

export const RestoreHooksSchema = Type.Object({
  resources: Type.Optional(Type.Array(RestoreResourceHookSpecSchema)),
});
export type RestoreHooks = Static<typeof RestoreHooksSchema>;

/** Which resources get their `.status` restored; nil means none. */
export const RestoreStatusSpecSchema = Type.Object({
  includedResources: Type.Optional(Nullable(StringList())),
  excludedResources: Type.Optional(Nullable(StringList())),
});
export type RestoreStatusSpec = Static<typeof RestoreStatusSpecSchema>;

export const UploaderConfigForRestoreSchema = Type.Object({
  writeSparseFiles: Type.Optional(NullableBool()),
  parallelFilesDownload: Type.Optional(Int()),
});
export type UploaderConfigForRestore = Static<typeof UploaderConfigForRestoreSchema>;

export const RestoreSpecSchema = Type.Object({
  backupName: Type.Optional(Type.String({ description: 'Exactly one of backupName and scheduleName is set.' })),
  scheduleName: Type.Optional(Type.String()),
  includedNamespaces: Type.Optional(Nullable(StringList())),
  excludedNamespaces: Type.Optional(Nullable(StringList())),
  includedResources: Type.Optional(Nullable(StringList())),
  excludedResources: Type.Optional(Nullable(StringList())),
  namespaceMapping: Type.Optional(StringMap({ description: 'Source namespace → target namespace.' })),
  labelSelector: Type.Optional(Nullable(LabelSelectorSchema)),
  orLabelSelectors: Type.Optional(Nullable(Type.Array(LabelSelectorSchema))),
  restorePVs: Type.Optional(NullableBool()),
  restoreStatus: Type.Optional(Nullable(RestoreStatusSpecSchema)),
  preserveNodePorts: Type.Optional(NullableBool()),
  includeClusterResources: Type.Optional(NullableBool()),
  hooks: Type.Optional(RestoreHooksSchema),
  existingResourcePolicy: Type.Optional(Nullable(KnownString(EXISTING_RESOURCE_POLICIES, { description: 'none or update.' }))),
  itemOperationTimeout: Type.Optional(Duration()),
  resourceModifier: Type.Optional(Nullable(TypedLocalObjectReferenceSchema)),
  uploaderConfig: Type.Optional(Nullable(UploaderConfigForRestoreSchema)),
});
export type RestoreSpec = Static<typeof RestoreSpecSchema>;

export const RestoreProgressSchema = Type.Object({
  totalItems: Type.Optional(Int()),
  itemsRestored: Type.Optional(Int()),
});
export type RestoreProgress = Static<typeof RestoreProgressSchema>;

export const RestoreStatusSchema = Type.Object({
  phase: Type.Optional(StringEnum(RESTORE_PHASES)),
  validationErrors: Type.Optional(Nullable(StringList())),
  warnings: Type.Optional(Int()),
  errors: Type.Optional(Int()),
  failureReason: Type.Optional(Type.String()),
  startTimestamp: Type.Optional(Time()),
  completionTimestamp: Type.Optional(Time()),
  progress: Type.Optional(Nullable(RestoreProgressSchema)),
  restoreItemOperationsAttempted: Type.Optional(Int()),
  restoreItemOperationsCompleted: Type.Optional(Int()),
  restoreItemOperationsFailed: Type.Optional(Int()),
  hookStatus: Type.Optional(Nullable(HookStatusSchema)),
});
export type RestoreStatus = Static<typeof RestoreStatusSchema>;

export const RestoreSchema = KubeObjectSchema(
  GROUP_VERSION_V1,
  'Restore',
  RestoreSpecSchema,
  RestoreStatusSchema,
  'A restore of resources (and volume data) from a backup.',
);
export type Restore = Static<typeof RestoreSchema>;
