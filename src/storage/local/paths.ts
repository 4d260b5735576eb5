/** @module storage/local/paths: which keys and prefixes a directory can hold, and where they live on disk. */
import { StorageError } from '../errors.ts';

/** Names of in-flight writes. Keys may not use it, so a listing never shows a half-written file. */
export const TEMP_PREFIX = '.skiff-tmp-';

/** ext4, xfs and most others: one path component is at most 255 bytes. */
const MAX_SEGMENT_BYTES = 255;

/** Why `key` cannot be a file under the bucket directory, or undefined when it can. */
export function keyProblem(key: string): string | undefined {
  if (key.includes('\\')) return 'contains a backslash';
  if (key.startsWith('/')) return 'is an absolute path';
  const segments = key.split('/');
  for (const [i, seg] of segments.entries()) {
    if (seg === '') return i === segments.length - 1 ? 'ends with "/" (directory markers cannot be files)' : 'has an empty path segment';
    const problem = segmentProblem(seg);
    if (problem) return problem;
  }
  return undefined;
}

/** Prefixes follow the key rules, except that the last segment may be partial or empty. */
export function prefixProblem(prefix: string): string | undefined {
  if (prefix.includes('\\')) return 'contains a backslash';
  if (prefix.includes('\0')) return 'contains a NUL character';
  if (prefix.startsWith('/')) return 'is an absolute path';
  const segments = prefix.split('/');
  for (const [i, seg] of segments.entries()) {
    const last = i === segments.length - 1;
    if (seg === '' && !last) return 'has an empty path segment';
    const problem = seg === '' ? undefined : segmentProblem(seg);
    if (problem) return problem;
  }
  return undefined;
}

function segmentProblem(seg: string): string | undefined {
  if (seg === '.' || seg === '..') return 'has a "." or ".." path segment';
  if (seg.startsWith(TEMP_PREFIX)) return `uses the reserved name prefix ${TEMP_PREFIX}`;
  if (Buffer.byteLength(seg) > MAX_SEGMENT_BYTES) return `has a path segment longer than ${MAX_SEGMENT_BYTES} bytes`;
  return undefined;
}

/** A local bucket is one directory name under the root. */
export function bucketProblem(bucket: string): string | undefined {
  if (!bucket) return 'is empty';
  if (bucket === '.' || bucket === '..' || /[/\\\0]/.test(bucket)) return 'must be a single directory name';
  return undefined;
}

export function invalidKey(operation: string, bucket: string, key: string, problem: string, what: 'key' | 'prefix' = 'key'): StorageError {
  return new StorageError({ reason: 'InvalidKey', provider: 'local', bucket, key, operation, message: `${operation}: the ${what} ${JSON.stringify(key)} ${problem} (local bucket ${JSON.stringify(bucket)})` });
}

/** Splits a prefix into the directory to read and the start of the names in it: `a/b/ba` → [`a/b/`, `ba`]. */
export function splitPrefix(prefix: string): [dir: string, namePrefix: string] {
  const cut = prefix.lastIndexOf('/');
  return [prefix.slice(0, cut + 1), prefix.slice(cut + 1)];
}
