/**
 * @module restore/types: the velero.io Restore as the engine reads and writes it — the API's own types
 * (src/api), under the names the engine uses.
 */
import type { Restore, RestoreResourceHookSpec, RestoreSpec, RestoreStatus } from '../api/index.ts';

export type RestoreSpecLike = RestoreSpec;
export type RestoreHookSpecLike = RestoreResourceHookSpec;
export type RestoreStatusLike = RestoreStatus;
export type RestoreLike = Restore;

/** What happened to one item, as the restore's resource list records it. */
export type ItemOutcome = 'created' | 'updated' | 'failed' | 'skipped';
