/** @module backup: the backup engine — request validation, collection, item actions, volume info, the per-backup log. */
export { prepareBackup, resolveResource, selectorErrors, SERVER_DEFAULTS, type BackupRequest, type PrepareContext, type Prepared, type ServerDefaults } from './request.ts';
export { runBackup, type ArchiveItem, type BackupEngineOptions, type BackupOutcome, type BackupProgress, type RunBackupInput } from './engine.ts';
export { OperationLog, type Results, type ResultBucket, type LogFields, type LogLevel } from './backup-log.ts';
export { BUILT_IN_BACKUP_ACTIONS, actionApplies, type BackupItemAction, type ItemActionContext, type ItemActionResult, type ResourceIdentifier, type AppliesTo } from './actions.ts';
export { IncludesExcludes, OldResourceFilter, ScopedResourceFilter, type ResourceFilter } from './filters.ts';
export { globMatch, validateGlob } from './glob.ts';
export type { BackupVolumeInfo } from './volumes.ts';
export type { BackupLike, BackupSpecLike, BackupStatusLike, LocationLike } from './types.ts';
export { namespaceListErrors, oldListErrors } from './list-rules.ts';
export { RelatedObjects } from './related.ts';
