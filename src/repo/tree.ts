/**
 * @module repo/tree: the canonical form of a directory listing (a Tree blob) and the checks a restore relies on.
 * Canonical means: nodes sorted by the UTF-8 bytes of their names, each node's fields in one fixed order,
 * absent fields omitted. The same listing therefore always serializes to the same bytes and the same blob id,
 * which is what makes an unchanged directory of an incremental backup cost nothing.
 */
import type { Tree, TreeNode } from './types.ts';
import { isHexId } from './crypto.ts';

/** A tree blob that breaks the format's rules (hostile or corrupt); a restore refuses it. */
export class TreeFormatError extends Error {
  readonly reason = 'InvalidTree';
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'TreeFormatError';
  }
}

const NODE_TYPES: ReadonlySet<string> = new Set<TreeNode['type']>(['file', 'dir', 'symlink', 'fifo', 'socket', 'chardev', 'blockdev']);

/** The fields of a node in their canonical order. */
const FIELD_ORDER = ['name', 'type', 'mode', 'uid', 'gid', 'mtime', 'ctime', 'size', 'content', 'holes', 'inode', 'device', 'links', 'subtree', 'linkTarget', 'rdev'] as const satisfies ReadonlyArray<keyof TreeNode>;

/** What a tree's JSON holds: `nodes`, then each node's fields in canonical order (nodes have no nested objects). */
const TREE_KEYS: string[] = ['nodes', ...FIELD_ORDER];

/** Orders names by their UTF-8 bytes (as the file system and object stores do), not by UTF-16 code units. */
export function compareNames(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x !== y) return codePointRank(x) - codePointRank(y);
  }
  return a.length - b.length;
}

/**
 * UTF-8 byte order is code point order; UTF-16 unit order differs only in that surrogates (code points above
 * U+FFFF) sort below U+E000–U+FFFF. Moving those two ranges fixes that without encoding anything.
 */
function codePointRank(unit: number): number {
  if (unit >= 0xe000) return unit - 0x800;
  if (unit >= 0xd800) return unit + 0x2000;
  return unit;
}

/** The canonical bytes of a tree (sorted copy; the argument is not changed). Duplicate names are refused. */
export function serializeTree(tree: Tree): Uint8Array {
  const nodes = [...tree.nodes].sort((x, y) => compareNames(x.name, y.name));
  for (let i = 1; i < nodes.length; i++) {
    if (nodes[i]!.name === nodes[i - 1]!.name) throw new TreeFormatError(`a tree cannot hold two entries named ${JSON.stringify(nodes[i]!.name)}`);
  }
  // A property list makes JSON.stringify write each node's fields in that order and skip absent ones: the same
  // text as copying each node into an object in canonical order first (a golden test pins it), in one call.
  return Buffer.from(JSON.stringify({ nodes }, TREE_KEYS), 'utf8');
}

/** `a` and `b` serialize the same (every canonical field equal; lists compared by value). */
export function sameNode(a: TreeNode, b: TreeNode): boolean {
  for (const key of FIELD_ORDER) {
    const x = a[key];
    const y = b[key];
    if (x === y) continue;
    if (!Array.isArray(x) || !Array.isArray(y) || JSON.stringify(x) !== JSON.stringify(y)) return false;
  }
  return true;
}

/** Parses and checks a tree blob (see `checkTree`). */
export function parseTree(bytes: Uint8Array): Tree {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8'));
  } catch (err) {
    throw new TreeFormatError('tree blob is not valid JSON', { cause: err });
  }
  checkTree(value);
  return value;
}

/**
 * A name a restore may create inside a directory: not empty, not `.` or `..`, no `/` and no NUL, at most
 * 255 bytes. Anything else could escape the target directory or is not a file name at all.
 */
export function nameProblem(name: unknown): string | undefined {
  if (typeof name !== 'string' || name.length === 0) return 'is empty or not a string';
  if (name === '.' || name === '..') return `is ${JSON.stringify(name)}`;
  if (name.includes('/')) return 'contains "/"';
  if (name.includes('\0')) return 'contains a NUL character';
  if (Buffer.byteLength(name, 'utf8') > 255) return 'is longer than 255 bytes';
  return undefined;
}

const isUint = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
const isId = (v: unknown): v is string => typeof v === 'string' && isHexId(v);

/** Throws TreeFormatError unless `value` is a well-formed tree: valid unique names, types and fields. */
export function checkTree(value: unknown): asserts value is Tree {
  const nodes = (value as { nodes?: unknown } | null)?.nodes;
  if (typeof value !== 'object' || value === null || !Array.isArray(nodes)) throw new TreeFormatError('tree blob has no "nodes" list');
  const seen = new Set<string>();
  for (const [i, node] of nodes.entries()) {
    const problem = nodeProblem(node);
    const label = typeof (node as TreeNode | null)?.name === 'string' ? JSON.stringify((node as TreeNode).name) : `#${i}`;
    if (problem) throw new TreeFormatError(`tree node ${label}: ${problem}`);
    const name = (node as TreeNode).name;
    if (seen.has(name)) throw new TreeFormatError(`tree node ${label}: the name appears twice`);
    seen.add(name);
  }
}

function nodeProblem(node: unknown): string | undefined {
  if (typeof node !== 'object' || node === null) return 'is not an object';
  const n = node as Partial<TreeNode>;
  const bad = nameProblem(n.name);
  if (bad) return `name ${bad}`;
  if (typeof n.type !== 'string' || !NODE_TYPES.has(n.type)) return `unknown type ${JSON.stringify(n.type)}`;
  if (!isUint(n.mode) || n.mode > 0o7777) return 'mode is not a permission mask';
  if (!isUint(n.uid) || !isUint(n.gid)) return 'uid/gid are not non-negative integers';
  if (typeof n.mtime !== 'string' || parseTime(n.mtime) === undefined) return 'mtime is not an RFC 3339 time';
  if (n.type === 'file') return fileProblem(n);
  if (n.type === 'dir' && !isId(n.subtree)) return 'directory has no subtree id';
  if (n.type === 'symlink' && typeof n.linkTarget !== 'string') return 'symlink has no target';
  return undefined;
}

function fileProblem(n: Partial<TreeNode>): string | undefined {
  if (!isUint(n.size)) return 'file has no size';
  if (!Array.isArray(n.content) || !n.content.every(isId)) return 'file content is not a list of blob ids';
  if (n.holes === undefined) return undefined;
  if (!Array.isArray(n.holes)) return 'holes is not a list';
  let end = 0;
  for (const h of n.holes) {
    if (!Array.isArray(h) || h.length !== 2 || !isUint(h[0]) || !isUint(h[1]) || h[1] === 0) return 'holes are not [offset, length] pairs';
    if (h[0] < end || h[0] + h[1] > n.size) return 'holes overlap, are out of order or pass the end of the file';
    end = h[0] + h[1];
  }
  return undefined;
}

const TIME_RE = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?Z$/;

/** Nanoseconds since the epoch as RFC 3339 UTC with nine fractional digits (`2024-05-01T10:00:00.123456789Z`). */
export function formatTime(ns: bigint): string {
  let sec = Number(ns / NS_PER_SECOND);
  let frac = Number(ns % NS_PER_SECOND);
  if (frac < 0) {
    sec -= 1;
    frac += 1e9;
  }
  // Files of one directory mostly share their second: its text is made once (two times per file are formatted).
  if (sec !== lastSecond) {
    lastBase = new Date(sec * 1000).toISOString().slice(0, 19);
    lastSecond = sec;
  }
  return `${lastBase}.${String(frac).padStart(9, '0')}Z`;
}

const NS_PER_SECOND = 1_000_000_000n;
let lastSecond = Number.NaN;
let lastBase = '';

/** The inverse of `formatTime` (fewer fractional digits accepted); undefined when `s` is not such a time. */
export function parseTime(s: string): bigint | undefined {
  const m = TIME_RE.exec(s);
  if (!m) return undefined;
  const ms = Date.parse(`${m[1]}Z`);
  if (Number.isNaN(ms)) return undefined;
  return BigInt(ms) * 1_000_000n + BigInt((m[2] ?? '').padEnd(9, '0'));
}
