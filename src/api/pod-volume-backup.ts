/** @module api/pod-volume-backup: the PodVolumeBackup kind (velero.io/v1) — file-system backup of one pod volume. */
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

export const PodVolumeBackupSpecSchema = Type.Object({
  node: Type.String({ description: 'The node the pod runs on.' }),
  pod: Type.Optional(ObjectReferenceSchema),
  volume: Type.Optional(Type.String()),
  backupStorageLocation: Type.Optional(Type.String()),
  repoIdentifier: Type.Optional(Type.String({ description: 'Empty for kopia.' })),
  uploaderType: Type.Optional(StringEnum(UPLOADER_TYPES)),
  tags: Type.Optional(StringMap({ description: 'backup, backup-uid, pod, pod-uid, ns, volume.' })),
  uploaderSettings: Type.Optional(Nullable(StringMap())),
  cancel: Type.Optional(Type.Boolean()),
});
export type PodVolumeBackupSpec = Static<typeof PodVolumeBackupSpecSchema>;

export const PodVolumeBackupStatusSchema = Type.Object({
  phase: Type.Optional(StringEnum(POD_VOLUME_PHASES)),
  path: Type.Optional(Type.String()),
  snapshotID: Type.Optional(Type.String({ description: 'The kopia snapshot (manifest) ID.' })),
  message: Type.Optional(Type.String()),
  startTimestamp: Type.Optional(Time()),
  completionTimestamp: Type.Optional(Time()),
  progress: Type.Optional(DataMoveOperationProgressSchema),
  incrementalBytes: Type.Optional(Int64()),
  acceptedTimestamp: Type.Optional(Time()),
});
export type PodVolumeBackupStatus = Static<typeof PodVolumeBackupStatusSchema>;

export const PodVolumeBackupSchema = KubeObjectSchema(
  GROUP_VERSION_V1,
  'PodVolumeBackup',
  PodVolumeBackupSpecSchema,
  PodVolumeBackupStatusSchema,
  'A file-system backup of one pod volume into the backup repository.',
);
export type PodVolumeBackup = Static<typeof PodVolumeBackupSchema>;
