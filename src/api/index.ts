/** @module api: the velero.io API — types, schemas, validators, CRDs, constants, resource refs and factories. */
export * from './labels.ts';
export * from './time.ts';
export {
  Type,
  type Static,
  type TSchema,
  GO_DURATION_FORMAT,
  LabelSelectorSchema,
  LabelSelectorRequirementSchema,
  SecretKeySelectorSchema,
  TypedLocalObjectReferenceSchema,
  ObjectReferenceSchema,
  DataMoveOperationProgressSchema,
  HookStatusSchema,
  type LabelSelector,
  type LabelSelectorRequirement,
  type SecretKeySelector,
  type TypedLocalObjectReference,
  type ObjectReference,
  type DataMoveOperationProgress,
  type HookStatus,
} from './schema-kit.ts';
export * from './backup.ts';
export * from './restore.ts';
export * from './schedule.ts';
export * from './backup-storage-location.ts';
export * from './volume-snapshot-location.ts';
export * from './delete-backup-request.ts';
export * from './download-request.ts';
export * from './pod-volume-backup.ts';
export * from './pod-volume-restore.ts';
export * from './backup-repository.ts';
export * from './server-status-request.ts';
export * from './data-upload.ts';
export * from './data-download.ts';
export {
  VELERO_KINDS,
  VeleroResources,
  kindInfo,
  isVeleroKind,
  apiVersionOf,
  resourceRefOf,
  type KindInfo,
  type PrinterColumn,
  type VeleroKind,
  type VeleroObject,
  type VeleroObjects,
} from './kinds.ts';
export { crdManifests, crdManifest, crdFor, crdName, renderCrdsYaml, toYaml, type CustomResourceDefinition } from './crds.ts';
export { toJSONSchemaProps, type JSONSchemaProps } from './openapi.ts';
export * from './validate.ts';
export * from './factories.ts';
