/** @module api/data-upload: the DataUpload kind (velero.io/v2alpha1) — moving one CSI snapshot's data to the repository. */
import { DATA_MOVER_PHASES, GROUP_VERSION_V2ALPHA1, NODE_OS_TYPES, SNAPSHOT_TYPES } from './labels.ts';
import {
  DataMoveOperationProgressSchema,
  Duration,
  Int64,
  KnownString,
  KubeObjectSchema,
  Nullable,
  StringEnum,
  StringMap,
  Time,
  Type,
  type Static,
} from './schema-kit.ts';

export const CSISnapshotSpecSchema = Type.Object({
  volumeSnapshot: Type.Optional(Type.String()),
  storageClass: Type.Optional(Type.String()),
  snapshotClass: Type.Optional(Type.String()),
  driver: Type.Optional(Type.String()),
});
export type CSISnapshotSpec = Static<typeof CSISnapshotSpecSchema>;

export const DataUploadSpecSchema = Type.Object({
  snapshotType: Type.Optional(KnownString(SNAPSHOT_TYPES)),
  csiSnapshot: Type.Optional(Nullable(CSISnapshotSpecSchema)),
  sourcePVC: Type.Optional(Type.String()),
  datamover: Type.Optional(Type.String({ description: '"" or velero selects the built-in mover.' })),
  backupStorageLocation: Type.Optional(Type.String()),
  sourceNamespace: Type.Optional(Type.String()),
  dataMoverConfig: Type.Optional(Nullable(StringMap())),
  cancel: Type.Optional(Type.Boolean()),
  operationTimeout: Duration(),
});
export type DataUploadSpec = Static<typeof DataUploadSpecSchema>;

export const DataUploadStatusSchema = Type.Object({
  phase: Type.Optional(StringEnum(DATA_MOVER_PHASES)),
  path: Type.Optional(Type.String()),
  snapshotID: Type.Optional(Type.String()),
  dataMoverResult: Type.Optional(Nullable(StringMap())),
  message: Type.Optional(Type.String()),
  startTimestamp: Type.Optional(Time()),
  completionTimestamp: Type.Optional(Time()),
  progress: Type.Optional(DataMoveOperationProgressSchema),
  incrementalBytes: Type.Optional(Int64()),
  node: Type.Optional(Type.String()),
  nodeOS: Type.Optional(StringEnum(NODE_OS_TYPES)),
  acceptedByNode: Type.Optional(Type.String()),
  acceptedTimestamp: Type.Optional(Time()),
});
export type DataUploadStatus = Static<typeof DataUploadStatusSchema>;

export const DataUploadSchema = KubeObjectSchema(
  GROUP_VERSION_V2ALPHA1,
  'DataUpload',
  DataUploadSpecSchema,
  DataUploadStatusSchema,
  'Moves the data of one CSI volume snapshot into the backup repository.',
);
export type DataUpload = Static<typeof DataUploadSchema>;
