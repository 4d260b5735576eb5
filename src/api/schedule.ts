/** @module api/schedule: the Schedule kind (velero.io/v1) — a cron expression and a Backup template. */
import { BackupSpecSchema } from './backup.ts';
import { GROUP_VERSION_V1, SCHEDULE_PHASES } from './labels.ts';
import { KubeObjectSchema, Nullable, NullableBool, StringEnum, StringList, Time, Type, type Static } from './schema-kit.ts';

export const ScheduleSpecSchema = Type.Object({
  template: BackupSpecSchema,
  schedule: Type.String({ description: 'Cron (5 fields, @every <dur>, @daily, optional CRON_TZ= prefix).' }),
  useOwnerReferencesInBackup: Type.Optional(NullableBool()),
  paused: Type.Optional(Type.Boolean()),
  skipImmediately: Type.Optional(NullableBool({ description: 'nil means the server default; reset to false once used.' })),
});
export type ScheduleSpec = Static<typeof ScheduleSpecSchema>;

export const ScheduleStatusSchema = Type.Object({
  phase: Type.Optional(StringEnum(SCHEDULE_PHASES)),
  lastBackup: Type.Optional(Time()),
  lastSkipped: Type.Optional(Time()),
  validationErrors: Type.Optional(Nullable(StringList())),
});
export type ScheduleStatus = Static<typeof ScheduleStatusSchema>;

export const ScheduleSchema = KubeObjectSchema(
  GROUP_VERSION_V1,
  'Schedule',
  ScheduleSpecSchema,
  ScheduleStatusSchema,
  'Backups taken repeatedly on a cron schedule.',
);
export type Schedule = Static<typeof ScheduleSchema>;
