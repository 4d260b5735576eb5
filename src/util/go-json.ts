/**
 * @module util/go-json: the bytes Go's encoding/json writes — for an unstructured object (keys sorted, what
 * Velero stores per item in a tarball) and for a typed struct (members in declaration order, what Velero
 * writes in its sidecar files and velero-backup.json).
 */

/** A value Go's encoder would refuse (NaN, Infinity, symbols, undefined at the top, too deep). */
export class GoJsonError extends Error {
  override readonly name = 'GoJsonError';
  readonly reason = 'UnsupportedValue';
}

/**
 * Go's decoder refuses JSON nested beyond 10,000 levels, so the API server holds nothing deeper. The default
 * stack may run out before that depth; encodeGoJson reports both the same way.
 */
const MAX_DEPTH = 10_000;

/** A string needs the slow path if it holds anything Go escapes, or any surrogate (pairs and lone ones). */
const NEEDS_WORK = /[\u0000-\u001f"\\<>&\u2028\u2029\ud800-\udfff]/;

/**
 * Go's replacements for what JSON.stringify leaves alone. `\\\\` is matched (and kept) so that an escaped
 * backslash followed by `ud800` is never mistaken for a lone-surrogate escape.
 */
const GO_FIXUPS = /[<>&\u2028\u2029]|\\\\|\\ud[89a-f][0-9a-f]{2}/g;
const GO_REPLACEMENT: Record<string, string> = {
  '<': '\\u003c',
  '>': '\\u003e',
  '&': '\\u0026',
  '\u2028': '\\u2028',
  '\u2029': '\\u2029',
};

/** Keys holding a code unit ≥ U+D800 are the only ones whose UTF-16 order can differ from Go's byte order. */
const HIGH_UNITS = /[\ud800-\uffff]/;

/**
 * Encodes a JSON value exactly as Go's `json.Marshal` encodes the same value held in a
 * `map[string]interface{}` (Velero's `json.Marshal(obj.UnstructuredContent())`): compact, keys sorted by
 * UTF-8 bytes at every level, `<` `>` `&` U+2028 U+2029 escaped, `\b` `\f` `\n` `\r` `\t` short escapes
 * (Go ≥ 1.22), other control characters as `\u00xx`, no trailing newline.
 *
 * Numbers are written as JavaScript prints them, which for finite values is the shortest round-trip form
 * with the same exponent thresholds as Go (1e-6, 1e21); integers beyond 2^53 have already lost precision
 * in JSON.parse (a `bigint` is written exactly). A lone surrogate becomes a raw U+FFFD, as Velero's Go decoder
 * and encoder together treat the `\udxxx` escape it was parsed from. Like JSON.stringify,
 * object members whose value is `undefined` or a function are skipped, and `toJSON()` is honoured.
 *
 * @example encodeGoJson({ b: '<x>', a: 1 }) === '{"a":1,"b":"\\u003cx\\u003e"}'
 * @throws GoJsonError for NaN, ±Infinity, a symbol, a top-level function or undefined,
 *   or nesting deeper than 10,000 levels or than the stack allows (which is also how cycles end).
 */
export function encodeGoJson(value: unknown): string {
  let out: string | undefined;
  try {
    out = encodeValue(value, 0);
  } catch (err) {
    if (err instanceof RangeError) throw unsupported(`nesting too deep to encode (${err.message})`);
    throw err;
  }
  if (out === undefined) throw unsupported(`cannot encode a value of type ${typeof value}`);
  return out;
}

/** Go's byte-order comparison of two strings given in UTF-16 (code point order equals UTF-8 byte order). */
export function compareGoStrings(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    let x = a.charCodeAt(i);
    let y = b.charCodeAt(i);
    if (x === y) continue;
    // Surrogates (D800–DFFF) encode code points above FFFF, so they sort after E000–FFFF in code point order.
    if (x >= 0xd800 && y >= 0xd800) {
      x = x >= 0xe000 ? x - 0x800 : x + 0x2000;
      y = y >= 0xe000 ? y - 0x800 : y + 0x2000;
    }
    return x - y;
  }
  return a.length - b.length;
}

/** Returns undefined for values JSON.stringify would omit (undefined, functions) so containers can decide. */
function encodeValue(value: unknown, depth: number): string | undefined {
  // Ordered by frequency in Kubernetes objects: strings, then objects and arrays.
  if (typeof value === 'string') return encodeString(value);
  if (typeof value === 'object') return value === null ? 'null' : encodeComposite(value, depth);
  if (typeof value === 'number') return encodeNumber(value);
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (typeof value === 'bigint') return value.toString();
  if (typeof value === 'symbol') throw unsupported('cannot encode a symbol');
  return undefined;
}

function encodeComposite(value: object, depth: number): string {
  if (depth >= MAX_DEPTH) throw unsupported(`nesting deeper than ${MAX_DEPTH} levels (or a cycle)`);
  if (Array.isArray(value)) return encodeArray(value, depth + 1);
  const toJSON = (value as { toJSON?: unknown }).toJSON;
  if (typeof toJSON === 'function') return encodeValue(toJSON.call(value), depth + 1) ?? 'null';
  return encodeObject(value as Record<string, unknown>, depth + 1);
}

function encodeString(s: string): string {
  if (!NEEDS_WORK.test(s)) return `"${s}"`;
  // JSON.stringify already escapes quotes, backslashes and control characters as Go does (\b \f \n \r \t,
  // otherwise lowercase \u00xx), and writes valid surrogate pairs raw; only Go's extra escapes remain.
  return JSON.stringify(s).replace(GO_FIXUPS, goFixup);
}

function goFixup(match: string): string {
  if (match.length === 1) return GO_REPLACEMENT[match] ?? match;
  // A lone surrogate can only come from a `\udxxx` escape in the JSON the object was parsed from. Go's decoder
  // turns that escape into U+FFFD, which json.Marshal then writes raw: so does this.
  return match === '\\\\' ? match : '\ufffd';
}

function encodeNumber(n: number): string {
  if (!Number.isFinite(n)) throw unsupported(`cannot encode the number ${n}`);
  // String(-0) is "0", as Go writes the integer 0 that the Kubernetes decoder makes of "-0".
  return String(n);
}

function encodeArray(items: readonly unknown[], depth: number): string {
  if (items.length === 0) return '[]';
  let out = '[';
  for (let i = 0; i < items.length; i++) {
    if (i > 0) out += ',';
    out += encodeValue(items[i], depth) ?? 'null';
  }
  return out + ']';
}

function encodeObject(obj: Record<string, unknown>, depth: number): string {
  const keys = Object.keys(obj);
  if (keys.length > 1) sortUtf16(keys);
  return encodeMembers(obj, keys, depth, false) ?? encodeMembers(obj, keys.sort(compareGoKeys), depth, true)!;
}

/** Go sorts the decoded keys, in which a lone surrogate has already become U+FFFD. */
function compareGoKeys(a: string, b: string): number {
  return compareGoStrings(a.toWellFormed(), b.toWellFormed());
}

/** Returns undefined when a key may sort differently in Go, so the caller re-sorts (rare: keys ≥ U+D800). */
function encodeMembers(obj: Record<string, unknown>, keys: string[], depth: number, goSorted: boolean): string | undefined {
  let out = '{';
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i]!;
    const info = keyInfo(key);
    if (info.high && !goSorted) return undefined;
    const encoded = encodeValue(obj[key], depth);
    if (encoded === undefined) continue;
    out += out.length === 1 ? `${info.json}:${encoded}` : `,${info.json}:${encoded}`;
  }
  return out + '}';
}

/** Insertion sort for the usual handful of keys (measured 2× faster than Array.prototype.sort here). */
function sortUtf16(keys: string[]): void {
  if (keys.length > 16) {
    keys.sort();
    return;
  }
  for (let i = 1; i < keys.length; i++) {
    const key = keys[i]!;
    let j = i - 1;
    while (j >= 0 && keys[j]! > key) {
      keys[j + 1] = keys[j]!;
      j--;
    }
    keys[j + 1] = key;
  }
}

interface KeyInfo {
  json: string;
  /** Holds a code unit ≥ U+D800, where UTF-16 order and Go's UTF-8 byte order can disagree. */
  high: boolean;
}

/**
 * Kubernetes objects reuse a small vocabulary of keys (apiVersion, metadata, labels, …), so their encoded
 * forms are memoised. A pure cache of a pure function; cleared when full so odd keys cannot pin it.
 */
const keyCache = new Map<string, KeyInfo>();
const KEY_CACHE_MAX = 8192;

function keyInfo(key: string): KeyInfo {
  let info = keyCache.get(key);
  if (info === undefined) {
    info = { json: encodeString(key), high: HIGH_UNITS.test(key) };
    if (keyCache.size >= KEY_CACHE_MAX) keyCache.clear();
    keyCache.set(key, info);
  }
  return info;
}

function unsupported(detail: string): GoJsonError {
  return new GoJsonError(detail);
}

/**
 * Go's encoding of a typed struct: members in the order given (Go writes declaration order), compact or
 * indented like json.MarshalIndent, with Go's escapes. JSON.stringify already matches Go everywhere else.
 * @example encodeGoStructJson({ kind: 'Backup', a: '<x>' }) === '{"kind":"Backup","a":"\\u003cx\\u003e"}'
 */
export function encodeGoStructJson(value: unknown, indent?: number): string {
  const text = JSON.stringify(value, null, indent);
  if (text === undefined) throw unsupported(`cannot encode a value of type ${typeof value}`);
  return text.replace(GO_FIXUPS, goFixup);
}
