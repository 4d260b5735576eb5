/** @module cli/commands/restore/delete — `skiff restore delete NAMES | --all | -l` (also `skiff delete restore`). */
import type { CommandUnknownOpts } from '@commander-js/extra-typings';
import { VeleroResources, type Restore } from '../../../api/index.ts';
import type { CliContext } from '../../context.ts';
import { deleteCommandFor } from '../backup/delete.ts';

/**
 * Deletes the Restore objects themselves, as velero's CLI does: the server's finalizer on each then removes
 * the restore's files from object storage before the object goes away.
 */
export function restoreDeleteCommand(ctx: CliContext): CommandUnknownOpts {
  return deleteCommandFor<Restore>(ctx, {
    noun: 'restore',
    resource: VeleroResources.restores,
    act: (client, r, namespace) => client.delete(VeleroResources.restores, r.metadata.name ?? '', { namespace }),
    submitted: (name) =>
      `Request to delete restore "${name}" submitted successfully.\nThe restore will be fully deleted after all associated data (restore files in object storage) are removed.\n`,
  });
}
