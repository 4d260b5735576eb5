/** @module api/volume-snapshot-location: the VolumeSnapshotLocation kind (velero.io/v1, short name vsl). */
import { GROUP_VERSION_V1, LOCATION_PHASES } from './labels.ts';
import { KubeObjectSchema, Nullable, SecretKeySelectorSchema, StringEnum, StringMap, Type, type Static } from './schema-kit.ts';

export const VolumeSnapshotLocationSpecSchema = Type.Object({
  provider: Type.String(),
  config: Type.Optional(StringMap()),
  credential: Type.Optional(Nullable(SecretKeySelectorSchema)),
});
export type VolumeSnapshotLocationSpec = Static<typeof VolumeSnapshotLocationSpecSchema>;

export const VolumeSnapshotLocationStatusSchema = Type.Object({
  phase: Type.Optional(StringEnum(LOCATION_PHASES)),
});
export type VolumeSnapshotLocationStatus = Static<typeof VolumeSnapshotLocationStatusSchema>;

export const VolumeSnapshotLocationSchema = KubeObjectSchema(
  GROUP_VERSION_V1,
  'VolumeSnapshotLocation',
  VolumeSnapshotLocationSpecSchema,
  VolumeSnapshotLocationStatusSchema,
  'Where a volume snapshotter plugin takes native volume snapshots.',
);
export type VolumeSnapshotLocation = Static<typeof VolumeSnapshotLocationSchema>;
