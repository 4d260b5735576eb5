/**
 * @module controllers/deletion-steps: the pluggable part of deleting a backup — what must be removed
 * before its files in object storage are (Velero's DeleteItemActions, native and CSI snapshots, file-system
 * backup snapshots, data-mover snapshots). None exist yet: volume snapshots and volume data plug in here
 * when they arrive, each as one BackupDeletionStep.
 */
import type { KubeClient } from '../kube/index.ts';
import type { BackupLike, LocationLike } from '../backup/index.ts';
import type { BackupStore } from '../storage/index.ts';
import type { Logger } from '../log/index.ts';

/** What a step gets: the backup being deleted (already marked Deleting), its location and that location's store. */
export interface DeletionContext {
  backup: BackupLike;
  location: LocationLike;
  store: BackupStore;
  client: KubeClient;
  /** The server namespace. */
  namespace: string;
  log: Logger;
  signal: AbortSignal;
}

/**
 * One thing to remove before the backup's files go. Steps run in order; each returns its errors (empty when
 * all went well) rather than throwing, so one failed snapshot does not hide the others. Any error keeps the
 * files and the Backup (left `Deleting`), so the data the step could not remove stays findable and the next
 * request (or garbage collection) tries again. Steps must therefore be idempotent.
 */
export interface BackupDeletionStep {
  /** Names the step in logs and in the request's errors. */
  name: string;
  run(ctx: DeletionContext): Promise<string[]>;
}

/** Runs every step in order; a step that throws counts as one error. */
export async function runDeletionSteps(steps: readonly BackupDeletionStep[], ctx: DeletionContext): Promise<string[]> {
  const errors: string[] = [];
  for (const step of steps) {
    try {
      errors.push(...(await step.run(ctx)).map((e) => `${step.name}: ${e}`));
    } catch (err) {
      if (ctx.signal.aborted) throw err;
      errors.push(`${step.name}: ${(err as Error).message}`);
    }
  }
  return errors;
}
