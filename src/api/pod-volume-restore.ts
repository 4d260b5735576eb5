/** @module api/pod-volume-restore: the PodVolumeRestore kind (velero.io/v1) — file-system restore of one pod volume. */
import { GROUP_VERSION_V1, POD_VOLUME_PHASES, UPLOADER_TYPES } from './labels.ts';
import {
  DataMoveOperationProgressSchema,
  Int64,
  KubeObjectSchema,
  Nullable,
  ObjectReferenceSchema,
  StringEnum,
  StringMap,
  Time,
  Type,
  type Static,
} from './schema-kit.ts';

export const PodVolumeRestoreSpecSchema = Type.Object({
  pod: Type.Optional(ObjectReferenceSchema),
  volume: Type.Optional(Type.String()),
  backupStorageLocation: Type.Optional(Type.String()),
  repoIdentifier: Type.Optional(Type.String()),
  uploaderType: Type.Optional(StringEnum(UPLOADER_TYPES)),
  snapshotID: Type.String(),
  sourceNamespace: Type.Optional(Type.String({ description: 'The namespace the volume was backed up from.' })),
  snapshotSize: Type.Optional(Int64()),
  uploaderSettings: Type.Optional(Nullable(StringMap())),
  cancel: Type.Optional(Type.Boolean()),
});
export type PodVolumeRestoreSpec = Static<typeof PodVolumeRestoreSpecSchema>;

export const PodVolumeRestoreStatusSchema = Type.Object({
  phase: Type.Optional(StringEnum(POD_VOLUME_PHASES)),
  message: Type.Optional(Type.String()),
  startTimestamp: Type.Optional(Time()),
  completionTimestamp: Type.Optional(Time()),
  progress: Type.Optional(DataMoveOperationProgressSchema),
  acceptedTimestamp: Type.Optional(Time()),
  node: Type.Optional(Type.String()),
});
export type PodVolumeRestoreStatus = Static<typeof PodVolumeRestoreStatusSchema>;

export const PodVolumeRestoreSchema = KubeObjectSchema(
  GROUP_VERSION_V1,
  'PodVolumeRestore',
  PodVolumeRestoreSpecSchema,
  PodVolumeRestoreStatusSchema,
  'A file-system restore of one pod volume from the backup repository.',
);
export type PodVolumeRestore = Static<typeof PodVolumeRestoreSchema>;
