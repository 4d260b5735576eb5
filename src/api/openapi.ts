/** @module api/openapi: turns a TypeBox schema into a structural CRD openAPIV3Schema (JSONSchemaProps). */
import { GO_DURATION_FORMAT, type TSchema } from './schema-kit.ts';

/** The subset of apiextensions.k8s.io/v1 JSONSchemaProps that our schemas produce. */
export interface JSONSchemaProps {
  description?: string;
  type?: 'object' | 'array' | 'string' | 'integer' | 'number' | 'boolean';
  format?: string;
  enum?: unknown[];
  nullable?: boolean;
  minItems?: number;
  maxItems?: number;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  pattern?: string;
  items?: JSONSchemaProps;
  properties?: Record<string, JSONSchemaProps>;
  required?: string[];
  additionalProperties?: JSONSchemaProps;
  'x-kubernetes-preserve-unknown-fields'?: boolean;
  'x-kubernetes-map-type'?: string;
  'x-kubernetes-list-type'?: string;
}

/** Formats the API server knows and Velero's CRDs use; anything else (our go-duration) is dropped. */
const KUBE_FORMATS = new Set(['date-time', 'int64', 'int32', 'byte']);
const COPIED_NUMBERS = ['minItems', 'maxItems', 'minLength', 'maxLength', 'minimum', 'maximum'] as const;
const COPIED_EXTENSIONS = ['x-kubernetes-preserve-unknown-fields', 'x-kubernetes-map-type', 'x-kubernetes-list-type'] as const;
/** TypeBox's Record(String, X) key pattern, i.e. a map[string]X. */
const ANY_KEY_PATTERN = '^.*$';

type Raw = Record<string, unknown>;

function fail(path: string, why: string): never {
  throw new Error(`cannot express ${path || '(root)'} in a CRD schema: ${why}`);
}

/** Key order of the output: alphabetical, as controller-gen writes it, so renders are stable and diffable. */
function sorted(props: JSONSchemaProps): JSONSchemaProps {
  const out: Raw = {};
  for (const key of Object.keys(props).sort()) out[key] = (props as Raw)[key];
  return out as JSONSchemaProps;
}

/**
 * Converts one schema node. Reads only the JSON Schema keywords it knows, so TypeBox's own markers (`~kind`,
 * `~optional`, `$id`, symbols) never reach the output, and rejects shapes a structural schema cannot hold.
 */
export function toJSONSchemaProps(schema: TSchema, path = ''): JSONSchemaProps {
  const s = schema as Raw;
  if (Array.isArray(s['anyOf'])) return nullableOf(s, s['anyOf'] as Raw[], path);
  const out: JSONSchemaProps = {};
  if (typeof s['description'] === 'string') out.description = s['description'];
  const type = s['type'];
  if (typeof type !== 'string') fail(path, 'every node needs a single type');
  if (type === 'null') fail(path, 'a bare null type');
  out.type = type as JSONSchemaProps['type'];
  if (typeof s['format'] === 'string' && s['format'] !== GO_DURATION_FORMAT) {
    if (!KUBE_FORMATS.has(s['format'])) fail(path, `format ${s['format']} is not one the API server knows`);
    out.format = s['format'];
  }
  if (Array.isArray(s['enum'])) out.enum = [...(s['enum'] as unknown[])];
  if ('const' in s) out.enum = [s['const']];
  if (typeof s['pattern'] === 'string') out.pattern = s['pattern'];
  for (const key of COPIED_NUMBERS) if (typeof s[key] === 'number') out[key] = s[key];
  for (const key of COPIED_EXTENSIONS) if (s[key] !== undefined) (out as Raw)[key] = s[key];
  if (type === 'array') {
    if (s['items'] === undefined || Array.isArray(s['items'])) fail(path, 'an array needs one items schema');
    out.items = toJSONSchemaProps(s['items'] as TSchema, `${path}[]`);
  }
  if (type === 'object') objectParts(s, out, path);
  return sorted(out);
}

function objectParts(s: Raw, out: JSONSchemaProps, path: string): void {
  const props = s['properties'] as Record<string, TSchema> | undefined;
  const patterns = s['patternProperties'] as Record<string, TSchema> | undefined;
  const additional = s['additionalProperties'];
  if (patterns !== undefined) {
    const keys = Object.keys(patterns);
    if (keys.length !== 1 || keys[0] !== ANY_KEY_PATTERN) fail(path, 'only map[string]X patternProperties are supported');
    out.additionalProperties = toJSONSchemaProps(patterns[ANY_KEY_PATTERN] as TSchema, `${path}.*`);
  }
  if (additional !== undefined && typeof additional === 'object') {
    out.additionalProperties = toJSONSchemaProps(additional as TSchema, `${path}.*`);
  }
  // `additionalProperties: false` is dropped: pruning already removes unknown fields, and the API server
  // rejects it next to properties.
  if (props !== undefined) {
    const converted: Record<string, JSONSchemaProps> = {};
    for (const name of Object.keys(props).sort()) converted[name] = toJSONSchemaProps(props[name] as TSchema, path ? `${path}.${name}` : name);
    if (out.additionalProperties !== undefined && Object.keys(converted).length > 0) fail(path, 'properties and additionalProperties together');
    if (out.additionalProperties === undefined) out.properties = converted;
  }
  const required = s['required'];
  if (Array.isArray(required) && required.length > 0) out.required = [...(required as string[])].sort();
  const hasShape = out.properties !== undefined || out.additionalProperties !== undefined || out['x-kubernetes-preserve-unknown-fields'] === true;
  // An object with no declared fields still needs `properties` to be structural; its content is then pruned.
  if (!hasShape) out.properties = {};
}

/** `anyOf: [T, {type: null}]` (our Nullable) becomes T with `nullable: true`; other unions are not structural. */
function nullableOf(s: Raw, branches: Raw[], path: string): JSONSchemaProps {
  const nonNull = branches.filter((b) => b['type'] !== 'null');
  if (branches.length !== 2 || nonNull.length !== 1) fail(path, 'unions other than T | null');
  const inner = toJSONSchemaProps(nonNull[0] as TSchema, path);
  const out: JSONSchemaProps = { ...inner, nullable: true };
  if (typeof s['description'] === 'string') out.description = s['description'];
  return sorted(out);
}
