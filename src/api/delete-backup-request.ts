/** @module api/delete-backup-request: the DeleteBackupRequest kind (velero.io/v1) — how a backup and its data are deleted. */
import { DELETE_BACKUP_REQUEST_PHASES, GROUP_VERSION_V1 } from './labels.ts';
import { KubeObjectSchema, Nullable, StringEnum, StringList, Type, type Static } from './schema-kit.ts';

export const DeleteBackupRequestSpecSchema = Type.Object({
  backupName: Type.String(),
});
export type DeleteBackupRequestSpec = Static<typeof DeleteBackupRequestSpecSchema>;

export const DeleteBackupRequestStatusSchema = Type.Object({
  phase: Type.Optional(StringEnum(DELETE_BACKUP_REQUEST_PHASES)),
  errors: Type.Optional(Nullable(StringList())),
});
export type DeleteBackupRequestStatus = Static<typeof DeleteBackupRequestStatusSchema>;

export const DeleteBackupRequestSchema = KubeObjectSchema(
  GROUP_VERSION_V1,
  'DeleteBackupRequest',
  DeleteBackupRequestSpecSchema,
  DeleteBackupRequestStatusSchema,
  'A request to delete a backup, its data in object storage and its snapshots.',
);
export type DeleteBackupRequest = Static<typeof DeleteBackupRequestSchema>;
