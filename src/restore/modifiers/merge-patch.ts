/**
 * @module restore/modifiers/merge-patch: JSON Merge Patch (RFC 7386) — applying one, and creating one that
 * turns one document into another (what the restore engine sends for the existing-resource policy "update").
 */
import { cloneJson, getOwn, isJsonObject, jsonEqual, setOwn, type JsonObject, type JsonValue } from './json.ts';

/**
 * Applies `patch` to `target` as RFC 7386 §2 defines: an object patch merges key by key and `null` deletes
 * a key; anything else (arrays included) replaces the target whole. Returns a new value; inputs are untouched.
 */
export function applyMergePatch(target: JsonValue | undefined, patch: JsonValue): JsonValue {
  if (!isJsonObject(patch)) return cloneJson(patch);
  const base: JsonObject = isJsonObject(target) ? target : {};
  const result: JsonObject = {};
  // Walk the target first so members keep their order; each node is copied once.
  for (const [key, value] of Object.entries(base)) {
    const change = getOwn(patch, key);
    if (change === undefined) setOwn(result, key, cloneJson(value));
    else if (change !== null) setOwn(result, key, applyMergePatch(value, change));
  }
  for (const [key, change] of Object.entries(patch)) {
    if (change !== null && !Object.hasOwn(base, key)) setOwn(result, key, applyMergePatch(undefined, change));
  }
  return result;
}

/**
 * A merge patch that turns `from` into `to`: keys missing from `to` become `null`, changed objects recurse,
 * anything else (arrays, scalars, type changes) is sent whole. Members whose value is `undefined` count as
 * absent, as they do once serialised.
 *
 * RFC 7386 cannot express "set this member to null", so a `null` inside `to` reads as a deletion when the
 * patch is applied; `apply(from, create(from, to))` equals `to` for every `to` without nulls.
 */
export function createMergePatch(from: object | undefined, to: Readonly<Record<string, unknown>>): Record<string, unknown>;
export function createMergePatch(from: JsonValue | undefined, to: JsonValue): JsonValue;
export function createMergePatch(from: unknown, to: unknown): unknown {
  return diff(from as JsonValue | undefined, to as JsonValue);
}

function diff(from: JsonValue | undefined, to: JsonValue): JsonValue {
  if (!isJsonObject(from) || !isJsonObject(to)) return cloneJson(to);
  const patch: JsonObject = {};
  for (const [key, value] of Object.entries(from)) if (value !== undefined && getOwn(to, key) === undefined) setOwn(patch, key, null);
  for (const [key, value] of Object.entries(to)) {
    if (value === undefined) continue;
    const before = getOwn(from, key);
    if (before === undefined) setOwn(patch, key, cloneJson(value));
    else if (!jsonEqual(before, value)) setOwn(patch, key, diff(before, value));
  }
  return patch;
}

/** True for the patch that changes nothing (`{}`), so callers can skip a no-op PATCH request. */
export function isEmptyMergePatch(patch: unknown): boolean {
  return isJsonObject(patch) && Object.keys(patch).length === 0;
}
