/** @module restore: the restore engine — request validation, the archive source, tiers, item actions, existing objects. */
export { prepareRestore, type RestoreRequest, type RestorePrepareContext, type PreparedRestore } from './request.ts';
export { runRestore, type RestoreEngineOptions, type RunRestoreInput, type RestoreOutcome } from './engine.ts';
export { parsePriorities, type Priorities } from './priorities.ts';
export { parseVersionPriorities } from './versions.ts';
export type { RestoreProgress } from './results.ts';
export type { VolumeInfoLike } from './item.ts';
export type { RestoreLike, RestoreSpecLike, RestoreStatusLike, ItemOutcome } from './types.ts';
export type { RestoreItemAction, RestoreItemActionContext, RestoreItemActionResult, ClusterView } from './actions/types.ts';
export { userFields, differences } from './compare.ts';
export { restoreTargets, targetsOverlap, type RestoreTargets } from './targets.ts';
export { BUILT_IN_RESTORE_ACTIONS } from './actions/index.ts';
