/** @module archive: Velero's backup tarball (`<backup>.tar.gz`): Go-compatible item JSON, a streaming writer and a hardened streaming reader. */
export { ArchiveError, ArchiveErrorReason, isArchiveError, type ArchiveErrorInit } from './errors.ts';
export { encodeGoJson, compareGoStrings } from '../util/go-json.ts';
export { itemPaths, parseEntryPath, safeEntryPath, FORMAT_VERSION, VERSION_PATH, PREFERRED_SUFFIX, type ItemRef, type ParsedPath } from './paths.ts';
export {
  createBackupArchive,
  DEFAULT_GZIP_LEVEL,
  DEFAULT_CHUNK_BYTES,
  type ArchiveItem,
  type ArchiveSummary,
  type BackupArchive,
  type BackupArchiveOptions,
} from './writer.ts';
export {
  readBackupArchive,
  validateBackupArchive,
  type ArchiveEntry,
  type ArchiveValidation,
  type GroupResourceSummary,
  type IgnoredEntry,
  type ItemEntry,
  type ReadArchiveOptions,
  type VersionEntry,
} from './reader.ts';
export { DEFAULT_ARCHIVE_LIMITS, type ArchiveLimits } from './tar-source.ts';
