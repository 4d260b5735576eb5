/** @module archive/reader: reads a Velero-format backup tarball as a stream of checked entries, refusing hostile ones. */
import type { Readable } from 'node:stream';
import { ArchiveError } from './errors.ts';
import { identityProblem, parseEntryPath, safeEntryPath, type ParsedPath } from './paths.ts';
import { DEFAULT_ARCHIVE_LIMITS, TarSource, classifyTarError, type ArchiveLimits, type TarMember } from './tar-source.ts';

export type ArchiveEntry = VersionEntry | ItemEntry | IgnoredEntry;

/** `metadata/version`: `1.1.0` (Velero ≥ 1.4) or `1` (older). */
export interface VersionEntry {
  kind: 'version';
  path: string;
  version: string;
}

export interface ItemEntry {
  kind: 'item';
  path: string;
  groupResource: string;
  /** The version directory (`v1`, `v1-preferredversion`); undefined for the legacy, un-versioned path. */
  versionDir: string | undefined;
  /** The API version the directory names (`v1`); undefined for the legacy path. */
  version: string | undefined;
  /** True for the legacy path and `<v>-preferredversion/`. */
  preferred: boolean;
  scope: 'cluster' | 'namespaced';
  namespace?: string;
  name: string;
  object: Record<string, unknown>;
  /** Size of the entry's JSON. */
  bytes: number;
  /** The entry's JSON as read. It may share memory with the stream's buffers: copy it to keep it. */
  raw: Buffer;
}

/** A harmless entry Velero's restore would skip with a warning. */
export interface IgnoredEntry {
  kind: 'ignored';
  path: string;
  reason: string;
}

export interface ReadArchiveOptions {
  limits?: Partial<ArchiveLimits>;
}

/**
 * Streams the entries of a backup tarball: never touches the disk, never holds more than one entry. Each
 * entry is checked before it is yielded (safe path, regular file, size, JSON object whose name and namespace
 * match its path), and the archive as a whole (gzip integrity, no trailing bytes, size and ratio limits, a
 * readable `metadata/version` somewhere in it). Directory entries are skipped. Entry order is not assumed.
 *
 * Items are yielded as they are read, so a failure can come after some items: a restore that must refuse a
 * hostile archive before creating anything runs validateBackupArchive first. Ending the iteration early
 * destroys `input`.
 *
 * @throws ArchiveError with a stable `reason`; never anything else.
 * @example for await (const e of readBackupArchive(stream)) if (e.kind === 'item') console.log(e.path);
 */
export async function* readBackupArchive(input: Readable, opts: ReadArchiveOptions = {}): AsyncGenerator<ArchiveEntry, void, undefined> {
  yield* readWithStats(input, opts, newStats());
}

export interface GroupResourceSummary {
  /** Items at the legacy path: what a restore without EnableAPIGroupVersions reads. */
  items: number;
  /** Entries per version directory (`v1-preferredversion`, `v1beta1`). */
  versionDirs: Record<string, number>;
}

export interface ArchiveValidation {
  version: string;
  entries: number;
  /** Item entries (a preferred-version item is stored, and counted, twice). */
  items: number;
  groupResources: Record<string, GroupResourceSummary>;
  /** Namespaces that hold items, sorted. */
  namespaces: string[];
  /** Ignored entries (the first 100 are listed). */
  ignored: number;
  ignoredEntries: Array<{ path: string; reason: string }>;
  compressedBytes: number;
  uncompressedBytes: number;
}

/**
 * Reads the whole archive and summarises it, or throws the first ArchiveError. The restore engine runs it
 * as a first pass, so that a hostile or corrupt archive is refused before anything is created.
 */
export async function validateBackupArchive(input: Readable, opts: ReadArchiveOptions = {}): Promise<ArchiveValidation> {
  const stats = newStats();
  const groupResources: Record<string, GroupResourceSummary> = Object.create(null);
  const namespaces = new Set<string>();
  const summary = { version: '', entries: 0, items: 0, ignored: 0, ignoredEntries: [] as Array<{ path: string; reason: string }> };
  for await (const entry of readWithStats(input, opts, stats)) {
    if (entry.kind === 'version') summary.version = entry.version;
    else if (entry.kind === 'ignored') {
      summary.ignored++;
      if (summary.ignoredEntries.length < 100) summary.ignoredEntries.push({ path: entry.path, reason: entry.reason });
    } else {
      summary.items++;
      const gr = (groupResources[entry.groupResource] ??= { items: 0, versionDirs: {} });
      if (entry.versionDir === undefined) gr.items++;
      else gr.versionDirs[entry.versionDir] = (gr.versionDirs[entry.versionDir] ?? 0) + 1;
      if (entry.namespace !== undefined) namespaces.add(entry.namespace);
    }
  }
  return {
    ...summary,
    entries: stats.entries,
    groupResources: { ...groupResources },
    namespaces: [...namespaces].sort(),
    compressedBytes: stats.compressedBytes,
    uncompressedBytes: stats.uncompressedBytes,
  };
}

interface ReadStats {
  entries: number;
  version: string | undefined;
  compressedBytes: number;
  uncompressedBytes: number;
}

function newStats(): ReadStats {
  return { entries: 0, version: undefined, compressedBytes: 0, uncompressedBytes: 0 };
}

async function* readWithStats(input: Readable, opts: ReadArchiveOptions, stats: ReadStats): AsyncGenerator<ArchiveEntry, void, undefined> {
  const limits: ArchiveLimits = { ...DEFAULT_ARCHIVE_LIMITS, ...definedOnly(opts.limits) };
  const source = new TarSource(input, limits);
  try {
    for await (const member of source.members()) {
      const entry = await readMember(member, limits, stats);
      if (entry) yield entry;
    }
    if (stats.version === undefined) throw new ArchiveError('MissingVersion', 'the archive has no metadata/version entry: not a Velero backup');
    stats.compressedBytes = source.compressedBytes;
    stats.uncompressedBytes = source.uncompressedBytes;
  } catch (err) {
    throw source.fail(classifyTarError(err));
  } finally {
    source.close();
  }
}

async function readMember(member: TarMember, limits: ArchiveLimits, stats: ReadStats): Promise<ArchiveEntry | undefined> {
  const { header } = member;
  if (++stats.entries > limits.maxEntries) {
    throw new ArchiveError('TooManyEntries', `more than ${limits.maxEntries} entries (limit maxEntries)`, { entry: header.name });
  }
  const path = safeEntryPath(header.name);
  if (header.type === 'directory') {
    await drain(member);
    return undefined;
  }
  if (header.type !== 'file' && header.type !== 'contiguous-file') {
    const type = header.type ?? 'unknown';
    throw new ArchiveError('UnsupportedEntryType', `${type} entries are not allowed: only regular files and directories`, { entry: header.name });
  }
  if (header.size > limits.maxEntryBytes) {
    throw new ArchiveError('EntryTooLarge', `entry of ${header.size} bytes exceeds ${limits.maxEntryBytes} (limit maxEntryBytes)`, { entry: header.name });
  }
  const parsed = parseEntryPath(path);
  if (parsed.kind === 'ignored') {
    await drain(member);
    return { kind: 'ignored', path, reason: parsed.reason };
  }
  const body = await readBody(member, header.size);
  if (parsed.kind === 'version') return readVersion(path, body, stats);
  return decodeItem(path, parsed, body);
}

function readVersion(path: string, body: Buffer, stats: ReadStats): VersionEntry {
  if (stats.version !== undefined) throw new ArchiveError('DuplicateEntry', 'a second metadata/version', { entry: path });
  const version = body.length <= 64 ? body.toString('utf8').trim() : '';
  const match = /^(\d+)(\.\d+){0,2}$/.exec(version);
  if (!match) throw new ArchiveError('UnsupportedVersion', 'metadata/version is not a format version like 1.1.0', { entry: path });
  if (match[1] !== '1') throw new ArchiveError('UnsupportedVersion', `format version ${version} is not supported (major version 1 only)`, { entry: path });
  stats.version = version;
  return { kind: 'version', path, version };
}

type ParsedItem = Extract<ParsedPath, { kind: 'item' }>;

function decodeItem(path: string, parsed: ParsedItem, body: Buffer): ItemEntry {
  let object: unknown;
  try {
    object = JSON.parse(body.toString('utf8'));
  } catch {
    // The parser's message quotes the content, which may be a Secret: it is left out.
    throw new ArchiveError('MalformedJson', 'the entry is not valid JSON', { entry: path });
  }
  if (typeof object !== 'object' || object === null || Array.isArray(object)) {
    throw new ArchiveError('NotAnObject', `the entry holds a JSON ${object === null ? 'null' : Array.isArray(object) ? 'array' : typeof object}, not an object`, { entry: path });
  }
  const problem = identityProblem(object as Record<string, unknown>, parsed.name, parsed.namespace);
  if (problem) throw new ArchiveError(problem.reason, problem.detail, { entry: path });
  const { kind: _kind, namespace, ...where } = parsed;
  const item: ItemEntry = { kind: 'item', path, ...where, object: object as Record<string, unknown>, bytes: body.length, raw: body };
  if (namespace !== undefined) item.namespace = namespace;
  return item;
}

/** The size was checked against the limit from the header; tar-stream yields exactly that many bytes. */
async function readBody(member: TarMember, size: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let length = 0;
  for await (const chunk of member) {
    chunks.push(chunk);
    length += chunk.length;
  }
  if (length !== size) throw new ArchiveError('Truncated', `entry holds ${length} of ${size} bytes`, { entry: member.header.name });
  return chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, length);
}

/** Reads and drops a body (a directory's is empty), so the parser can move on. */
async function drain(member: TarMember): Promise<void> {
  for await (const chunk of member) void chunk;
}

function definedOnly(limits: Partial<ArchiveLimits> | undefined): Partial<ArchiveLimits> {
  const out: Partial<ArchiveLimits> = {};
  for (const [key, value] of Object.entries(limits ?? {})) {
    if (typeof value === 'number') out[key as keyof ArchiveLimits] = value;
  }
  return out;
}
