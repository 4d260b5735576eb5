/** @module api/download-request: the DownloadRequest kind (velero.io/v1) — a pre-signed URL for one backup/restore file. */
import { DOWNLOAD_REQUEST_PHASES, DOWNLOAD_TARGET_KINDS, GROUP_VERSION_V1 } from './labels.ts';
import { KubeObjectSchema, StringEnum, Time, Type, type Static } from './schema-kit.ts';

export const DownloadTargetSchema = Type.Object({
  kind: StringEnum(DOWNLOAD_TARGET_KINDS),
  name: Type.String({ description: 'The backup name, or the restore name for the Restore* kinds.' }),
});
export type DownloadTarget = Static<typeof DownloadTargetSchema>;

export const DownloadRequestSpecSchema = Type.Object({
  target: DownloadTargetSchema,
});
export type DownloadRequestSpec = Static<typeof DownloadRequestSpecSchema>;

export const DownloadRequestStatusSchema = Type.Object({
  phase: Type.Optional(StringEnum(DOWNLOAD_REQUEST_PHASES)),
  downloadURL: Type.Optional(Type.String()),
  expiration: Type.Optional(Time()),
});
export type DownloadRequestStatus = Static<typeof DownloadRequestStatusSchema>;

export const DownloadRequestSchema = KubeObjectSchema(
  GROUP_VERSION_V1,
  'DownloadRequest',
  DownloadRequestSpecSchema,
  DownloadRequestStatusSchema,
  'A request for a pre-signed URL to one file of a backup or restore.',
);
export type DownloadRequest = Static<typeof DownloadRequestSchema>;
