/** @module archive/paths: where an item lives in a Velero tarball, and what an entry path means when read back. */
import { ArchiveError } from './errors.ts';

/** `metadata/version`: the format version file Velero writes first (pkg/backup/backup.go writeBackupVersion). */
export const VERSION_PATH = 'metadata/version';
/** Velero's BackupFormatVersion since 1.4. */
export const FORMAT_VERSION = '1.1.0';
/** The suffix of the version directory that holds the copy read at the cluster's preferred version. */
export const PREFERRED_SUFFIX = '-preferredversion';

/** Which item is written, and at which API version. */
export interface ItemRef {
  /** `pods`, `deployments.apps`, `customresourcedefinitions.apiextensions.k8s.io`. */
  groupResource: string;
  /** Absent (or empty) for a cluster-scoped item. */
  namespace?: string | undefined;
  name: string;
  /** The API version without the group: `v1`, `v2beta1`. */
  version: string;
  /** Read at the cluster's preferred version: then written at the legacy path and under `<v>-preferredversion/`. */
  preferred: boolean;
}

/**
 * The tar paths of one item, legacy path first (Velero's own order):
 * a preferred item gives `resources/<gr>/[namespaces/<ns>|cluster]/<name>.json` and the same under
 * `<version>-preferredversion/`; a non-preferred one only the path under `<version>/`.
 *
 * @example itemPaths({ groupResource: 'pods', namespace: 'ns', name: 'p', version: 'v1', preferred: true })
 *   // ['resources/pods/namespaces/ns/p.json', 'resources/pods/v1-preferredversion/namespaces/ns/p.json']
 * @throws ArchiveError `InvalidItem` when a part would be empty, hold `/` or `\`, or be `.` or `..`.
 */
export function itemPaths(item: ItemRef): string[] {
  checkSegment(item.groupResource, 'groupResource', item);
  checkSegment(item.name, 'name', item);
  checkSegment(item.version, 'version', item);
  if (item.version === 'cluster' || item.version === 'namespaces') {
    throw invalidItem(`version "${item.version}" would be read back as a scope directory`, item);
  }
  const scoped = item.namespace ? `namespaces/${checkSegment(item.namespace, 'namespace', item)}` : 'cluster';
  const base = `resources/${item.groupResource}`;
  const tail = `${scoped}/${item.name}.json`;
  if (!item.preferred) return [`${base}/${item.version}/${tail}`];
  return [`${base}/${tail}`, `${base}/${item.version}${PREFERRED_SUFFIX}/${tail}`];
}

function checkSegment(value: unknown, field: string, item: ItemRef): string {
  if (typeof value !== 'string' || value === '') throw invalidItem(`${field} must be a non-empty string`, item);
  if (value === '.' || value === '..' || /[/\\\u0000]/.test(value)) {
    throw invalidItem(`${field} "${value}" cannot be a path segment`, item);
  }
  return value;
}

function invalidItem(detail: string, item: ItemRef): ArchiveError {
  const where = [item.groupResource, item.namespace, item.name].filter((s) => typeof s === 'string' && s).join('/');
  return new ArchiveError('InvalidItem', `${detail} (item ${where})`);
}

/** What an entry path means. Anything Velero's restore would not read is `ignored`, with the reason. */
export type ParsedPath =
  | { kind: 'version' }
  | {
      kind: 'item';
      groupResource: string;
      versionDir: string | undefined;
      version: string | undefined;
      preferred: boolean;
      scope: 'cluster' | 'namespaced';
      namespace: string | undefined;
      name: string;
    }
  | { kind: 'ignored'; reason: string };

/**
 * Checks that a tar entry name is safe to act on, and returns it normalised (a leading `./`, as `tar -C dir .`
 * writes, and a directory's trailing `/` removed).
 *
 * @throws ArchiveError `UnsafePath` for absolute paths, backslashes, NUL, `..`, `.` or empty segments.
 */
export function safeEntryPath(raw: string): string {
  let path = raw;
  while (path.startsWith('./')) path = path.slice(2);
  if (path.endsWith('/')) path = path.slice(0, -1);
  const unsafe = unsafeReason(raw, path);
  if (unsafe) throw new ArchiveError('UnsafePath', unsafe, { entry: raw });
  return path;
}

function unsafeReason(raw: string, path: string): string | undefined {
  if (raw.startsWith('/')) return 'absolute path';
  if (raw.includes('\\')) return 'backslash in path';
  if (raw.includes('\u0000')) return 'NUL in path';
  if (path === '' || path === '.') return undefined;
  for (const segment of path.split('/')) {
    if (segment === '..') return 'path escapes the archive root (..)';
    if (segment === '.' || segment === '') return 'empty or "." path segment';
  }
  return undefined;
}

/**
 * Classifies a normalised entry path the way Velero's restore walks the extracted tree
 * (pkg/archive/parser.go): `resources/<gr>/cluster/<n>.json`, `resources/<gr>/namespaces/<ns>/<n>.json`, and
 * the same below a version directory (`v1`, `v1-preferredversion`).
 */
export function parseEntryPath(path: string): ParsedPath {
  if (path === VERSION_PATH) return { kind: 'version' };
  const parts = path.split('/');
  if (parts[0] === 'metadata') return { kind: 'ignored', reason: 'unknown file under metadata/' };
  if (parts[0] !== 'resources') return { kind: 'ignored', reason: 'outside metadata/ and resources/' };
  const [, groupResource, third] = parts;
  if (groupResource === undefined || third === undefined) return { kind: 'ignored', reason: 'not an item path' };
  const scopeAt = third === 'cluster' || third === 'namespaces' ? 2 : 3;
  const versionDir = scopeAt === 3 ? third : undefined;
  const scoped = parseScoped(parts.slice(scopeAt));
  if (typeof scoped === 'string') return { kind: 'ignored', reason: scoped };
  const preferred = versionDir === undefined || versionDir.endsWith(PREFERRED_SUFFIX);
  const version = versionDir?.endsWith(PREFERRED_SUFFIX) ? versionDir.slice(0, -PREFERRED_SUFFIX.length) : versionDir;
  if (version === '') return { kind: 'ignored', reason: 'empty version directory' };
  return { kind: 'item', groupResource, versionDir, version, preferred, ...scoped };
}

type Scoped = { scope: 'cluster' | 'namespaced'; namespace: string | undefined; name: string };

function parseScoped(parts: string[]): Scoped | string {
  const [scope, a, b] = parts;
  if (scope === 'cluster' && parts.length === 2 && a !== undefined) {
    const name = itemName(a);
    return name ?? 'not a .json item file';
  }
  if (scope === 'namespaces' && parts.length === 3 && a !== undefined && b !== undefined) {
    const name = itemName(b);
    return name === undefined ? 'not a .json item file' : { ...name, scope: 'namespaced', namespace: a };
  }
  return 'not an item path';
}

function itemName(file: string): Scoped | undefined {
  if (!file.endsWith('.json') || file.length === '.json'.length) return undefined;
  return { scope: 'cluster', namespace: undefined, name: file.slice(0, -'.json'.length) };
}

/** How an object's own name and namespace disagree with where it is (or would be) stored. */
export interface IdentityProblem {
  reason: 'NameMismatch' | 'NamespaceMismatch';
  detail: string;
}

/**
 * Restore acts on the path, so an object that says otherwise was tampered with or corrupted: the reader
 * refuses it, and the writer refuses to write what the reader would refuse. A cluster-scoped object may
 * carry an empty namespace, never a set one.
 */
export function identityProblem(object: Record<string, unknown>, name: string, namespace: string | undefined): IdentityProblem | undefined {
  const meta = object['metadata'];
  const metadata = typeof meta === 'object' && meta !== null ? (meta as Record<string, unknown>) : {};
  const actualName = metadata['name'];
  if (actualName !== name) {
    const got = typeof actualName === 'string' ? `"${actualName}"` : 'missing';
    return { reason: 'NameMismatch', detail: `metadata.name is ${got}, the path says "${name}"` };
  }
  const actual = metadata['namespace'];
  if (!namespace) {
    if (actual !== undefined && actual !== null && actual !== '') {
      return { reason: 'NamespaceMismatch', detail: 'a cluster-scoped entry carries metadata.namespace' };
    }
  } else if (actual !== namespace) {
    const got = typeof actual === 'string' && actual !== '' ? `"${actual}"` : 'missing';
    return { reason: 'NamespaceMismatch', detail: `metadata.namespace is ${got}, the path says "${namespace}"` };
  }
  return undefined;
}
