/**
 * @module restore/modifiers/json-patch: JSON Patch (RFC 6902) and JSON Pointer (RFC 6901).
 *
 * Applies to a copy: the input is never changed, and a failing operation discards every earlier one
 * (a patch is atomic, as the RFC requires and as Velero's library behaves).
 */
import { cloneJson, getOwn, isJsonObject, jsonEqual, setOwn, type JsonObject, type JsonValue } from './json.ts';

export type JsonPatchOperation =
  | { op: 'add' | 'replace' | 'test'; path: string; value: JsonValue }
  | { op: 'remove'; path: string }
  | { op: 'move' | 'copy'; from: string; path: string };

export type JsonPatchOp = JsonPatchOperation['op'];
export const JSON_PATCH_OPS: readonly JsonPatchOp[] = ['add', 'remove', 'replace', 'move', 'copy', 'test'];

/**
 * `test-failed`: a `test` compared unequal. `missing`: a path (or its parent) is absent. `invalid`: the
 * patch itself is wrong (bad pointer, bad index, moving a value into itself).
 */
export type JsonPatchFailure = 'test-failed' | 'missing' | 'invalid';

export class JsonPatchError extends Error {
  override readonly name = 'JsonPatchError';
  readonly reason: JsonPatchFailure;
  /** The failing operation's position in the patch, when there is one. */
  readonly opIndex: number | undefined;
  constructor(reason: JsonPatchFailure, message: string, opIndex?: number) {
    super(message);
    this.reason = reason;
    this.opIndex = opIndex;
  }
}

/** Splits a pointer into reference tokens, decoding `~1` to `/` and `~0` to `~` (in that order, per RFC 6901). */
export function parseJsonPointer(pointer: string): string[] {
  if (pointer === '') return [];
  if (!pointer.startsWith('/')) throw new JsonPatchError('invalid', `JSON pointer "${pointer}" must be empty or start with "/"`);
  if (/~(?![01])/.test(pointer)) throw new JsonPatchError('invalid', `JSON pointer "${pointer}" has a "~" not followed by 0 or 1`);
  return pointer.slice(1).split('/').map((t) => t.replaceAll('~1', '/').replaceAll('~0', '~'));
}

export function formatJsonPointer(tokens: readonly string[]): string {
  return tokens.map((t) => `/${t.replaceAll('~', '~0').replaceAll('/', '~1')}`).join('');
}

/** Applies the operations in order to a copy of `doc` and returns it. Throws JsonPatchError. */
export function applyJsonPatch(doc: JsonValue, ops: readonly JsonPatchOperation[]): JsonValue {
  let root = cloneJson(doc);
  ops.forEach((op, i) => {
    try {
      root = applyOperation(root, op);
    } catch (err) {
      if (!(err instanceof JsonPatchError)) throw err;
      throw new JsonPatchError(err.reason, `operation ${i} (${op.op} ${op.path}): ${err.message}`, i);
    }
  });
  return root;
}

type Container = JsonObject | JsonValue[];

function applyOperation(root: JsonValue, op: JsonPatchOperation): JsonValue {
  const path = parseJsonPointer(op.path);
  switch (op.op) {
    case 'add':
      return add(root, path, cloneJson(op.value));
    case 'remove':
      remove(root, path);
      return root;
    case 'replace':
      if (get(root, path) === undefined) throw new JsonPatchError('missing', 'the path does not exist');
      return set(root, path, cloneJson(op.value));
    case 'test':
      test(root, path, op.value);
      return root;
    case 'move':
      return move(root, parseJsonPointer(op.from), path);
    case 'copy': {
      const value = get(root, parseJsonPointer(op.from));
      if (value === undefined) throw new JsonPatchError('missing', `"from" ${op.from} does not exist`);
      return add(root, path, cloneJson(value));
    }
  }
}

/** The container holding the last token; throws `missing` when any step on the way is absent. */
function parentOf(root: JsonValue, tokens: readonly string[]): Container {
  let node: JsonValue | undefined = root;
  for (let i = 0; i < tokens.length - 1; i++) {
    node = child(node, tokens[i]!);
    if (node === undefined) throw new JsonPatchError('missing', `${formatJsonPointer(tokens.slice(0, i + 1))} does not exist`);
  }
  if (!Array.isArray(node) && !isJsonObject(node)) {
    throw new JsonPatchError('missing', `${formatJsonPointer(tokens.slice(0, -1)) || 'the document'} is not an object or array`);
  }
  return node;
}

function child(node: JsonValue | undefined, token: string): JsonValue | undefined {
  if (Array.isArray(node)) {
    const i = arrayIndex(token, node.length, false);
    return i < node.length ? node[i] : undefined;
  }
  return isJsonObject(node) ? getOwn(node, token) : undefined;
}

/** RFC 6901 array indexes: no sign, no leading zeros; `-` (one past the end) only where the caller allows. */
function arrayIndex(token: string, length: number, allowEnd: boolean): number {
  if (token === '-' && allowEnd) return length;
  if (!/^(0|[1-9][0-9]*)$/.test(token)) throw new JsonPatchError('invalid', `"${token}" is not an array index`);
  const i = Number(token);
  if (i > length || (!allowEnd && i === length)) throw new JsonPatchError(allowEnd ? 'invalid' : 'missing', `index ${token} is out of range (length ${length})`);
  return i;
}

function get(root: JsonValue, tokens: readonly string[]): JsonValue | undefined {
  if (tokens.length === 0) return root;
  return child(parentOf(root, tokens), tokens[tokens.length - 1]!);
}

function add(root: JsonValue, tokens: readonly string[], value: JsonValue): JsonValue {
  if (tokens.length === 0) return value;
  const parent = parentOf(root, tokens);
  const last = tokens[tokens.length - 1]!;
  if (Array.isArray(parent)) parent.splice(arrayIndex(last, parent.length, true), 0, value);
  else setOwn(parent, last, value);
  return root;
}

/** Replaces an existing member (the caller has checked that it exists). */
function set(root: JsonValue, tokens: readonly string[], value: JsonValue): JsonValue {
  if (tokens.length === 0) return value;
  const parent = parentOf(root, tokens);
  const last = tokens[tokens.length - 1]!;
  if (Array.isArray(parent)) parent[arrayIndex(last, parent.length, false)] = value;
  else setOwn(parent, last, value);
  return root;
}

function remove(root: JsonValue, tokens: readonly string[]): JsonValue {
  if (tokens.length === 0) throw new JsonPatchError('invalid', 'the whole document cannot be removed');
  const parent = parentOf(root, tokens);
  const last = tokens[tokens.length - 1]!;
  if (Array.isArray(parent)) {
    const [removed] = parent.splice(arrayIndex(last, parent.length, false), 1);
    return removed!;
  }
  const value = getOwn(parent, last);
  if (value === undefined) throw new JsonPatchError('missing', 'the path does not exist');
  delete parent[last];
  return value;
}

function move(root: JsonValue, from: readonly string[], to: readonly string[]): JsonValue {
  const isPrefix = from.length <= to.length && from.every((t, i) => t === to[i]);
  if (isPrefix && from.length === to.length) {
    if (get(root, from) === undefined) throw new JsonPatchError('missing', `"from" ${formatJsonPointer(from)} does not exist`);
    return root;
  }
  if (isPrefix) throw new JsonPatchError('invalid', 'a value cannot be moved into one of its own children');
  return add(root, to, remove(root, from));
}

/**
 * A missing member compares equal to `null` when its parent exists: Velero's JSON-patch library does this,
 * and resource-modifier users rely on `value: "null"` to mean "absent".
 */
function test(root: JsonValue, tokens: readonly string[], expected: JsonValue): void {
  const actual = get(root, tokens);
  if (actual === undefined && expected === null) return;
  if (actual === undefined) throw new JsonPatchError('test-failed', 'the path does not exist');
  if (!jsonEqual(actual, expected)) throw new JsonPatchError('test-failed', `value is ${JSON.stringify(actual)}, not ${JSON.stringify(expected)}`);
}
