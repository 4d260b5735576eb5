/** @module archive/errors: the one error type of the archive module, with a stable reason per failure. */

/** Why an archive could not be written or read. The values are stable: callers and tests match on them. */
export const ArchiveErrorReason = {
  /** An item given to the writer cannot be placed in the layout (empty, `/`, `..`, …). */
  InvalidItem: 'InvalidItem',
  /** A value that JSON cannot carry (NaN, Infinity, a function, a cycle, nesting too deep). */
  UnsupportedValue: 'UnsupportedValue',
  /** The writer was used after finish(), or its output was destroyed. */
  WriterClosed: 'WriterClosed',
  /** The input stream failed (network, storage); the archive itself may be fine. */
  ReadFailed: 'ReadFailed',
  /** Not gzip, or the deflate data or its CRC is wrong. */
  CorruptGzip: 'CorruptGzip',
  /** The gzip or tar stream ends early. */
  Truncated: 'Truncated',
  /** Bytes follow the last gzip member. */
  TrailingGarbage: 'TrailingGarbage',
  /** A tar header is not valid (checksum, size, format). */
  CorruptTar: 'CorruptTar',
  /** An entry path is absolute, has `..`, a backslash, a NUL or an empty segment. */
  UnsafePath: 'UnsafePath',
  /** A symlink, hard link, device, fifo or unknown type. */
  UnsupportedEntryType: 'UnsupportedEntryType',
  EntryTooLarge: 'EntryTooLarge',
  ArchiveTooLarge: 'ArchiveTooLarge',
  TooManyEntries: 'TooManyEntries',
  /** Uncompressed/compressed beyond the limit: a gzip bomb. */
  CompressionRatio: 'CompressionRatio',
  /** The same path appears twice. */
  DuplicateEntry: 'DuplicateEntry',
  MalformedJson: 'MalformedJson',
  NotAnObject: 'NotAnObject',
  /** `metadata.name` differs from the file name. */
  NameMismatch: 'NameMismatch',
  /** `metadata.namespace` differs from the directory, or is set on a cluster-scoped item. */
  NamespaceMismatch: 'NamespaceMismatch',
  MissingVersion: 'MissingVersion',
  /** `metadata/version` is unreadable or has a major version other than 1. */
  UnsupportedVersion: 'UnsupportedVersion',
} as const;
export type ArchiveErrorReason = (typeof ArchiveErrorReason)[keyof typeof ArchiveErrorReason];

export interface ArchiveErrorInit {
  /** The tar entry concerned, when there is one. */
  entry?: string | undefined;
  cause?: unknown;
}

/**
 * A backup tarball that cannot be written or read. The message names the entry and the reason;
 * it never carries object contents (they may hold Secrets).
 */
export class ArchiveError extends Error {
  override readonly name = 'ArchiveError';
  readonly reason: ArchiveErrorReason;
  readonly entry: string | undefined;

  constructor(reason: ArchiveErrorReason, detail: string, init: ArchiveErrorInit = {}) {
    const where = init.entry === undefined ? '' : ` (entry "${printable(init.entry)}")`;
    super(`${detail}${where} [${reason}]`, init.cause === undefined ? undefined : { cause: init.cause });
    this.reason = reason;
    this.entry = init.entry;
  }
}

export function isArchiveError(err: unknown, reason?: ArchiveErrorReason): err is ArchiveError {
  return err instanceof ArchiveError && (reason === undefined || err.reason === reason);
}

/** Entry names come from untrusted archives: keep them short and free of control characters in messages. */
function printable(s: string): string {
  const clean = s.replace(/[\u0000-\u001f\u007f]/g, '?');
  return clean.length > 300 ? `${clean.slice(0, 300)}…` : clean;
}
