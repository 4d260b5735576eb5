/** @module api/schema-kit: TypeBox building blocks for the velero.io schemas, shaped so the CRD emitter can map them 1:1. */
import { Type, type Static, type TSchema } from 'typebox';
import { Format } from 'typebox/format';
import type { ObjectMeta } from '../kube/index.ts';
import { parseGoDuration } from '../util/duration.ts';

/**
 * Our own format name for metav1.Duration. The validator checks it with Go's grammar; the CRD emitter drops
 * it (Velero's CRDs say plain `type: string`, and the API server's `duration` format is not Go's).
 */
export const GO_DURATION_FORMAT = 'go-duration';

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

// Registered at import so every compiled validator of these schemas checks them (TypeBox passes unknown formats).
Format.Set(GO_DURATION_FORMAT, (value) => {
  try {
    parseGoDuration(value);
    return true;
  } catch {
    return false;
  }
});
Format.Set('byte', (value) => BASE64.test(value));

export { Type, type Static, type TSchema };

/** `T | null`: the CRD emitter turns this union into `nullable: true` on T (Velero's `+nullable` fields). */
export function Nullable<T extends TSchema>(schema: T) {
  return Type.Union([schema, Type.Null()]);
}

/** A string restricted to `values`, emitted as `{type: string, enum}` (not TypeBox's anyOf of literals). */
export function StringEnum<const V extends readonly string[]>(values: V, options: { description?: string } = {}) {
  return Type.Unsafe<V[number]>({ type: 'string', enum: [...values], ...options });
}

/** A string documented to hold one of `values` but not restricted by the schema (Velero's CRD has no enum). */
export function KnownString<const V extends readonly string[]>(_values: V, options: { description?: string } = {}) {
  return Type.Unsafe<V[number] | (string & {})>({ type: 'string', ...options });
}

/** map[string]string. */
export function StringMap(options: { description?: string } = {}) {
  return Type.Record(Type.String(), Type.String(), options);
}

/** metav1.Duration: a Go duration string such as `720h0m0s`. */
export function Duration(options: { description?: string } = {}) {
  return Type.String({ format: GO_DURATION_FORMAT, ...options });
}

/** metav1.Time: RFC 3339, nullable as all of Velero's timestamps are. */
export function Time(options: { description?: string } = {}) {
  return Nullable(Type.String({ format: 'date-time', ...options }));
}

/** Go `int` (controller-gen gives it no format). */
export function Int(options: { description?: string } = {}) {
  return Type.Integer(options);
}

/** Go `int64`. */
export function Int64(options: { description?: string } = {}) {
  return Type.Integer({ format: 'int64', ...options });
}

/** Go `[]byte`: base64 in JSON. */
export function Bytes(options: { description?: string } = {}) {
  return Type.String({ format: 'byte', ...options });
}

/** Go *bool with `+nullable`: `null` and absent both mean "let the server decide". */
export function NullableBool(options: { description?: string } = {}) {
  return Nullable(Type.Boolean(options));
}

/** []string. */
export function StringList(options: { description?: string } = {}) {
  return Type.Array(Type.String(), options);
}

/** An embedded object kept verbatim (runtime.RawExtension): the API server must not prune inside it. */
export function PreservedObject(options: { description?: string } = {}) {
  return Type.Unsafe<Record<string, unknown>>({ type: 'object', 'x-kubernetes-preserve-unknown-fields': true, ...options });
}

/**
 * metadata: typed as the kube layer's ObjectMeta; the CRD says only `type: object` (the API server owns
 * metadata's schema), and the validator leaves its fields to the API server too.
 */
export const ObjectMetaSchema = Type.Unsafe<ObjectMeta>({ type: 'object' });

/** `x-kubernetes-map-type: atomic`: server-side apply replaces these objects whole, as Velero's CRDs say. */
const ATOMIC = { 'x-kubernetes-map-type': 'atomic' } as const;

export const LabelSelectorRequirementSchema = Type.Object({
  key: Type.String(),
  operator: Type.String({ description: 'In, NotIn, Exists or DoesNotExist' }),
  values: Type.Optional(StringList()),
});
export type LabelSelectorRequirement = Static<typeof LabelSelectorRequirementSchema>;

/** metav1.LabelSelector. */
export const LabelSelectorSchema = Type.Object(
  {
    matchLabels: Type.Optional(StringMap()),
    matchExpressions: Type.Optional(Type.Array(LabelSelectorRequirementSchema)),
  },
  ATOMIC,
);
export type LabelSelector = Static<typeof LabelSelectorSchema>;

/** corev1.SecretKeySelector: a key of a Secret in the Velero namespace. */
export const SecretKeySelectorSchema = Type.Object(
  {
    key: Type.String(),
    name: Type.Optional(Type.String()),
    optional: Type.Optional(Type.Boolean()),
  },
  ATOMIC,
);
export type SecretKeySelector = Static<typeof SecretKeySelectorSchema>;

/** corev1.TypedLocalObjectReference, e.g. `{kind: configmap, name}` for resource policies and modifiers. */
export const TypedLocalObjectReferenceSchema = Type.Object(
  {
    apiGroup: Type.Optional(Type.String()),
    kind: Type.String(),
    name: Type.String(),
  },
  ATOMIC,
);
export type TypedLocalObjectReference = Static<typeof TypedLocalObjectReferenceSchema>;

/** corev1.ObjectReference (a PodVolumeBackup's pod). */
export const ObjectReferenceSchema = Type.Object(
  {
    apiVersion: Type.Optional(Type.String()),
    fieldPath: Type.Optional(Type.String()),
    kind: Type.Optional(Type.String()),
    name: Type.Optional(Type.String()),
    namespace: Type.Optional(Type.String()),
    resourceVersion: Type.Optional(Type.String()),
    uid: Type.Optional(Type.String()),
  },
  ATOMIC,
);
export type ObjectReference = Static<typeof ObjectReferenceSchema>;

/**
 * shared.DataMoveOperationProgress. `incrementalBytes` is here as well as on the statuses: Velero releases put it
 * in one place or the other, and a field our schema lacks would be pruned when that release writes it.
 */
export const DataMoveOperationProgressSchema = Type.Object({
  totalBytes: Type.Optional(Int64()),
  bytesDone: Type.Optional(Int64()),
  incrementalBytes: Type.Optional(Int64()),
});
export type DataMoveOperationProgress = Static<typeof DataMoveOperationProgressSchema>;

/** Backup/Restore `status.hookStatus`. */
export const HookStatusSchema = Type.Object({
  hooksAttempted: Type.Optional(Int()),
  hooksFailed: Type.Optional(Int()),
});
export type HookStatus = Static<typeof HookStatusSchema>;

/**
 * A whole velero.io object: apiVersion and kind (fixed values when present; list items from the API always
 * carry them), metadata, and optional spec and status (Velero's CRDs require neither).
 */
export function KubeObjectSchema<A extends string, K extends string, S extends TSchema, St extends TSchema>(
  apiVersion: A,
  kind: K,
  spec: S,
  status: St,
  description: string,
) {
  return Type.Object(
    {
      apiVersion: Type.Optional(Type.Literal(apiVersion)),
      kind: Type.Optional(Type.Literal(kind)),
      metadata: ObjectMetaSchema,
      spec: Type.Optional(spec),
      status: Type.Optional(status),
    },
    { description },
  );
}
