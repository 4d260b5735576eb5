/** @module api/backup-storage-location: the BackupStorageLocation kind (velero.io/v1, short name bsl). */
import { BSL_ACCESS_MODES, GROUP_VERSION_V1, LOCATION_PHASES } from './labels.ts';
import {
  Bytes,
  Duration,
  KubeObjectSchema,
  Nullable,
  SecretKeySelectorSchema,
  StringEnum,
  StringMap,
  Time,
  Type,
  type Static,
} from './schema-kit.ts';

export const ObjectStorageLocationSchema = Type.Object({
  bucket: Type.String({ description: 'No `/` except in an S3 Multi-Region Access Point ARN.' }),
  prefix: Type.Optional(Type.String()),
  caCert: Type.Optional(Bytes({ description: 'Deprecated: use caCertRef.' })),
  caCertRef: Type.Optional(Nullable(SecretKeySelectorSchema)),
});
export type ObjectStorageLocation = Static<typeof ObjectStorageLocationSchema>;

export const BackupStorageLocationSpecSchema = Type.Object({
  provider: Type.String({ description: 'aws, gcp, azure, or a plugin name vendor/name.' }),
  config: Type.Optional(StringMap()),
  credential: Type.Optional(Nullable(SecretKeySelectorSchema)),
  objectStorage: ObjectStorageLocationSchema,
  default: Type.Optional(Type.Boolean()),
  accessMode: Type.Optional(StringEnum(BSL_ACCESS_MODES, { description: 'Empty means ReadWrite.' })),
  backupSyncPeriod: Type.Optional(Nullable(Duration({ description: 'nil: server default (1m); 0 disables sync.' }))),
  validationFrequency: Type.Optional(Nullable(Duration({ description: 'nil: server default (1m); 0 disables.' }))),
});
export type BackupStorageLocationSpec = Static<typeof BackupStorageLocationSpecSchema>;

export const BackupStorageLocationStatusSchema = Type.Object({
  phase: Type.Optional(StringEnum(LOCATION_PHASES)),
  lastSyncedTime: Type.Optional(Time()),
  lastValidationTime: Type.Optional(Time()),
  message: Type.Optional(Type.String()),
  lastSyncedRevision: Type.Optional(Type.String({ description: 'Deprecated and unused.' })),
  accessMode: Type.Optional(StringEnum(BSL_ACCESS_MODES, { description: 'Deprecated and unused.' })),
});
export type BackupStorageLocationStatus = Static<typeof BackupStorageLocationStatusSchema>;

export const BackupStorageLocationSchema = KubeObjectSchema(
  GROUP_VERSION_V1,
  'BackupStorageLocation',
  BackupStorageLocationSpecSchema,
  BackupStorageLocationStatusSchema,
  'An object-storage bucket (and prefix) where backups are kept.',
);
export type BackupStorageLocation = Static<typeof BackupStorageLocationSchema>;
