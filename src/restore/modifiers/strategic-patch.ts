/**
 * @module restore/modifiers/strategic-patch: Kubernetes strategic merge patch, for the built-in types listed
 * in strategic-schema.ts.
 *
 * Supported:
 * - objects merge key by key; `null` deletes a key (as in RFC 7386);
 * - lists the schema marks `merge` with a merge key (containers/initContainers/ephemeralContainers/volumes/
 *   imagePullSecrets by `name`, ports by `containerPort`, volumeMounts by `mountPath`, env by `name`, Service
 *   ports by `port`, ownerReferences by `uid`, …) merge element by element: a patch element updates the
 *   original element with the same key, or is appended;
 * - lists of scalars marked `merge` (finalizers) merge as a set, and `$deleteFromPrimitiveList/<field>`
 *   removes values from them;
 * - `$patch: replace` (an object, a list element, or `{$patch: replace}` inside a merging list: replace
 *   whole), `$patch: delete` (an object: drop it; a list element: drop the element with that key),
 *   `$patch: merge` (the default);
 * - `$retainKeys` (drop the original's keys not listed; the patch may only set listed keys).
 * Not supported: `$setElementOrder/<field>` is accepted and ignored (elements keep their original order and
 * new ones are appended). Lists not in the schema are replaced whole, as atomic lists are in Kubernetes.
 * Unlike the API server, values are not checked against the Go types.
 */
import { cloneJson, getOwn, isJsonObject, jsonEqual, setOwn, type JsonObject, type JsonValue } from './json.ts';
import type { FieldSchema, TypeSchema } from './strategic-schema.ts';

export class StrategicPatchError extends Error {
  override readonly name = 'StrategicPatchError';
  /** Where in the object the patch could not be applied, e.g. `spec.containers`. */
  readonly path: string;
  constructor(path: string, message: string) {
    super(`${path || '(root)'}: ${message}`);
    this.path = path;
  }
}

const DELETE = Symbol('delete');
const DIRECTIVE = '$patch';
const RETAIN_KEYS = '$retainKeys';
const DELETE_FROM_LIST = '$deleteFromPrimitiveList/';
const SET_ORDER = '$setElementOrder/';

/** Applies `patch` to `target` under `schema`; returns a new object (the inputs are not changed). */
export function applyStrategicPatch(target: JsonObject, patch: JsonObject, schema: TypeSchema): JsonObject {
  const result = mergeObject(target, patch, schema, '');
  if (result === DELETE) throw new StrategicPatchError('', '"$patch: delete" cannot delete the whole object');
  return result;
}

function isDirectiveKey(key: string): boolean {
  return key === DIRECTIVE || key === RETAIN_KEYS || key.startsWith(DELETE_FROM_LIST) || key.startsWith(SET_ORDER);
}

function join(path: string, key: string): string {
  return path === '' ? key : `${path}.${key}`;
}

/** Merges an object patch into `original` (undefined: build from the patch alone, dropping nulls and directives). */
function mergeObject(original: JsonObject | undefined, patch: JsonObject, schema: TypeSchema | undefined, path: string): JsonObject | typeof DELETE {
  const directive = getOwn(patch, DIRECTIVE);
  if (directive === 'delete') return DELETE;
  if (directive === 'replace') original = undefined;
  else if (directive !== undefined && directive !== 'merge') throw new StrategicPatchError(path, `unknown $patch directive ${JSON.stringify(directive)}`);
  const result = original ? retainKeys(original, patch, path) : {};
  deleteFromPrimitiveLists(result, patch, path);
  for (const [key, value] of Object.entries(patch)) {
    if (isDirectiveKey(key)) continue;
    const field = schema && Object.hasOwn(schema, key) ? schema[key] : undefined;
    const merged = mergeValue(getOwn(result, key), value, field, join(path, key));
    if (merged === DELETE) delete result[key];
    else setOwn(result, key, merged);
  }
  return result;
}

function mergeValue(original: JsonValue | undefined, patch: JsonValue, field: FieldSchema | undefined, path: string): JsonValue | typeof DELETE {
  if (patch === null) return DELETE;
  if (isJsonObject(patch)) return mergeObject(isJsonObject(original) ? original : undefined, patch, field?.type, path);
  if (Array.isArray(patch)) return field?.strategy === 'merge' ? mergeList(original, patch, field, path) : cloneJson(patch);
  return patch;
}

/** A copy of `original` without the keys a `$retainKeys` directive leaves out (no directive: a plain copy). */
function retainKeys(original: JsonObject, patch: JsonObject, path: string): JsonObject {
  const keep = getOwn(patch, RETAIN_KEYS);
  if (keep === undefined) return cloneJson(original);
  if (!Array.isArray(keep) || !keep.every((k) => typeof k === 'string')) throw new StrategicPatchError(path, '$retainKeys must be a list of field names');
  for (const [key, value] of Object.entries(patch)) {
    if (!isDirectiveKey(key) && value !== null && !keep.includes(key)) throw new StrategicPatchError(path, `"${key}" is set but not listed in $retainKeys`);
  }
  const result: JsonObject = {};
  for (const [key, value] of Object.entries(original)) if (keep.includes(key)) setOwn(result, key, cloneJson(value));
  return result;
}

/** `$deleteFromPrimitiveList/<field>: [values]` removes those values from the scalar list `field`, before merging. */
function deleteFromPrimitiveLists(result: JsonObject, patch: JsonObject, path: string): void {
  for (const [key, values] of Object.entries(patch)) {
    if (!key.startsWith(DELETE_FROM_LIST)) continue;
    const field = key.slice(DELETE_FROM_LIST.length);
    if (!Array.isArray(values)) throw new StrategicPatchError(join(path, key), 'must be a list of values');
    const list = getOwn(result, field);
    if (Array.isArray(list)) setOwn(result, field, list.filter((v) => !values.some((d) => jsonEqual(d, v))));
  }
}

function isReplaceMarker(el: JsonValue): boolean {
  return isJsonObject(el) && getOwn(el, DIRECTIVE) === 'replace' && Object.keys(el).length === 1;
}

function mergeList(original: JsonValue | undefined, patch: JsonValue[], field: FieldSchema, path: string): JsonValue[] {
  // `{$patch: replace}` among the elements: the rest of the patch list is the whole new list.
  const replace = patch.some(isReplaceMarker);
  const elements = patch.filter((el) => !isReplaceMarker(el));
  const base = replace || !Array.isArray(original) ? [] : original;
  if (field.mergeKey === undefined || !elements.some(isJsonObject)) return mergeScalarSet(base, elements, path);
  return mergeByKey(base, elements, field.mergeKey, field.type, path);
}

function mergeScalarSet(original: JsonValue[], patch: JsonValue[], path: string): JsonValue[] {
  const result = cloneJson(original);
  for (const el of patch) {
    if (isJsonObject(el) || Array.isArray(el)) throw new StrategicPatchError(path, 'a list of scalars cannot take an object or list element');
    if (!result.some((v) => jsonEqual(v, el))) result.push(el);
  }
  return result;
}

function mergeByKey(original: JsonValue[], patch: JsonValue[], mergeKey: string, type: TypeSchema | undefined, path: string): JsonValue[] {
  let result = cloneJson(original);
  for (const el of patch) {
    if (!isJsonObject(el)) throw new StrategicPatchError(path, `elements must be objects (merged by "${mergeKey}")`);
    const key = getOwn(el, mergeKey);
    if (key === undefined || key === null) throw new StrategicPatchError(path, `an element has no merge key "${mergeKey}"`);
    const sameKey = (o: JsonValue): boolean => isJsonObject(o) && jsonEqual(getOwn(o, mergeKey), key);
    const elPath = `${path}[${mergeKey}=${typeof key === 'string' ? key : JSON.stringify(key)}]`;
    if (getOwn(el, DIRECTIVE) === 'delete') {
      result = result.filter((o) => !sameKey(o));
      continue;
    }
    const at = result.findIndex(sameKey);
    const existing = at >= 0 ? result[at] : undefined;
    const merged = mergeObject(isJsonObject(existing) ? existing : undefined, el, type, elPath);
    if (merged === DELETE) continue;
    if (at >= 0) result[at] = merged;
    else result.push(merged);
  }
  return result;
}
