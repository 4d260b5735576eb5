/** @module restore: the restore engine — request validation, the archive source, tiers, item actions, existing objects. */
export { prepareRestore, NON_RESTORABLE_RESOURCES, type RestoreRequest, type RestorePrepareContext, type PreparedRestore, type ExistingPolicy } from './request.ts';
export { runRestore, DEFAULT_RETAIN_BYTES, type RestoreEngineOptions, type RunRestoreInput, type RestoreOutcome } from './engine.ts';
export { parsePriorities, planTiers, DEFAULT_HIGH_PRIORITIES, DEFAULT_LOW_PRIORITIES, type Priorities, type Tier } from './priorities.ts';
export { parseVersionPriorities } from './versions.ts';
export { ArchiveChangedError } from './source.ts';
export type { RestoreProgress } from './results.ts';
export type { VolumeInfoLike } from './item.ts';
export type { RestoreLike, RestoreSpecLike, RestoreStatusLike, ItemOutcome } from './types.ts';
export { BUILT_IN_RESTORE_ACTIONS } from './actions/index.ts';
export type { RestoreItemAction, RestoreItemActionContext, RestoreItemActionResult, ClusterView } from './actions/types.ts';
export { userFields, differences } from './compare.ts';
