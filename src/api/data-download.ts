/** @module api/data-download: the DataDownload kind (velero.io/v2alpha1) — restoring one moved volume into a PVC. */
import { DATA_MOVER_PHASES, GROUP_VERSION_V2ALPHA1, NODE_OS_TYPES } from './labels.ts';
import {
  DataMoveOperationProgressSchema,
  Duration,
  Int64,
  KubeObjectSchema,
  Nullable,
  StringEnum,
  StringMap,
  Time,
  Type,
  type Static,
} from './schema-kit.ts';

export const TargetVolumeSpecSchema = Type.Object({
  pvc: Type.Optional(Type.String()),
  pv: Type.Optional(Type.String()),
  namespace: Type.Optional(Type.String()),
});
export type TargetVolumeSpec = Static<typeof TargetVolumeSpecSchema>;

export const DataDownloadSpecSchema = Type.Object({
  targetVolume: Type.Optional(TargetVolumeSpecSchema),
  backupStorageLocation: Type.Optional(Type.String()),
  datamover: Type.Optional(Type.String()),
  snapshotID: Type.Optional(Type.String()),
  sourceNamespace: Type.Optional(Type.String()),
  dataMoverConfig: Type.Optional(Nullable(StringMap())),
  cancel: Type.Optional(Type.Boolean()),
  operationTimeout: Type.Optional(Duration()),
  nodeOS: Type.Optional(StringEnum(NODE_OS_TYPES)),
  snapshotSize: Type.Optional(Int64()),
});
export type DataDownloadSpec = Static<typeof DataDownloadSpecSchema>;

export const DataDownloadStatusSchema = Type.Object({
  phase: Type.Optional(StringEnum(DATA_MOVER_PHASES)),
  message: Type.Optional(Type.String()),
  startTimestamp: Type.Optional(Time()),
  completionTimestamp: Type.Optional(Time()),
  progress: Type.Optional(DataMoveOperationProgressSchema),
  node: Type.Optional(Type.String()),
  acceptedByNode: Type.Optional(Type.String()),
  acceptedTimestamp: Type.Optional(Time()),
});
export type DataDownloadStatus = Static<typeof DataDownloadStatusSchema>;

export const DataDownloadSchema = KubeObjectSchema(
  GROUP_VERSION_V2ALPHA1,
  'DataDownload',
  DataDownloadSpecSchema,
  DataDownloadStatusSchema,
  'Restores the data of one moved volume snapshot into a PVC.',
);
export type DataDownload = Static<typeof DataDownloadSchema>;
