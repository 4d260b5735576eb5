/** @module api/backup-repository: the BackupRepository kind (velero.io/v1) — one volume-data repository per namespace and BSL. */
import { BACKUP_REPOSITORY_PHASES, GROUP_VERSION_V1, MAINTENANCE_RESULTS, REPOSITORY_TYPES } from './labels.ts';
import { Duration, KubeObjectSchema, Nullable, StringEnum, StringMap, Time, Type, type Static } from './schema-kit.ts';

export const BackupRepositorySpecSchema = Type.Object({
  volumeNamespace: Type.Optional(Type.String({ description: 'The workload namespace; also the repository name.' })),
  backupStorageLocation: Type.Optional(Type.String()),
  repositoryType: Type.Optional(StringEnum(REPOSITORY_TYPES)),
  resticIdentifier: Type.Optional(Type.String({ description: 'Deprecated.' })),
  maintenanceFrequency: Duration(),
  repositoryConfig: Type.Optional(Nullable(StringMap())),
});
export type BackupRepositorySpec = Static<typeof BackupRepositorySpecSchema>;

export const BackupRepositoryMaintenanceStatusSchema = Type.Object({
  result: Type.Optional(StringEnum(MAINTENANCE_RESULTS)),
  startTimestamp: Type.Optional(Time()),
  completeTimestamp: Type.Optional(Time()),
  message: Type.Optional(Type.String()),
});
export type BackupRepositoryMaintenanceStatus = Static<typeof BackupRepositoryMaintenanceStatusSchema>;

export const BackupRepositoryStatusSchema = Type.Object({
  phase: Type.Optional(StringEnum(BACKUP_REPOSITORY_PHASES)),
  message: Type.Optional(Type.String()),
  lastMaintenanceTime: Type.Optional(Time()),
  recentMaintenance: Type.Optional(Type.Array(BackupRepositoryMaintenanceStatusSchema)),
});
export type BackupRepositoryStatus = Static<typeof BackupRepositoryStatusSchema>;

export const BackupRepositorySchema = KubeObjectSchema(
  GROUP_VERSION_V1,
  'BackupRepository',
  BackupRepositorySpecSchema,
  BackupRepositoryStatusSchema,
  'A kopia repository holding the volume data of one namespace in one backup storage location.',
);
export type BackupRepository = Static<typeof BackupRepositorySchema>;
