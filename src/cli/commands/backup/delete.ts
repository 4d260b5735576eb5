/** @module cli/commands/backup/delete — `skiff backup delete NAMES | --all | -l` (also `skiff delete backup`): DeleteBackupRequests. */
import { Command } from '@commander-js/extra-typings';
import type { CommandUnknownOpts } from '@commander-js/extra-typings';
import {
  LABEL_BACKUP_NAME,
  LABEL_BACKUP_UID,
  labelSafeName,
  newDeleteBackupRequest,
  VeleroResources,
  type Backup,
  type DeleteBackupRequest,
} from '../../../api/index.ts';
import { isNotFound, type KubeClient } from '../../../kube/index.ts';
import type { CliContext } from '../../context.ts';
import { aggregateError, withClient } from './common.ts';
import { addSelectFlags, confirmed, readSelection, selectionLabelSelector, type Selection } from './select.ts';

/** The request velero's CLI sends: generateName `<backup>-`, labelled with the backup's name and uid. */
export function deleteRequestFor(backup: Backup, namespace: string): DeleteBackupRequest {
  const name = backup.metadata.name ?? '';
  return newDeleteBackupRequest('', namespace, { backupName: name }, {
    generateName: `${name}-`,
    labels: { [LABEL_BACKUP_NAME]: labelSafeName(name), [LABEL_BACKUP_UID]: backup.metadata.uid ?? '' },
  });
}

/** The selected backups, and the errors of names that could not be fetched (velero carries on past them). */
async function selectBackups(client: KubeClient, namespace: string, sel: Selection): Promise<{ backups: Backup[]; errors: unknown[] }> {
  if (sel.kind !== 'names') {
    const labelSelector = selectionLabelSelector(sel);
    return { backups: (await client.list<Backup>(VeleroResources.backups, { namespace, labelSelector })).items, errors: [] };
  }
  const backups: Backup[] = [];
  const errors: unknown[] = [];
  for (const name of sel.names) {
    try {
      backups.push(await client.get<Backup>(VeleroResources.backups, name, { namespace }));
    } catch (err) {
      errors.push(err);
    }
  }
  return { backups, errors };
}

export function backupDeleteCommand(ctx: CliContext): CommandUnknownOpts {
  const cmd = new Command('delete').description('Delete backups').argument('[names...]', 'backups to delete');
  addSelectFlags(cmd, 'delete', 'backup');
  cmd.action(async (_names, _opts, self) => {
    const sel = readSelection(self, 'backup');
    if (!(await confirmed(self, ctx))) return;
    await withClient(self, ctx, async (client, globals) => {
      const { backups, errors } = await selectBackups(client, globals.namespace, sel);
      if (backups.length === 0) {
        // As velero: names that do not exist, when nothing else matched, are just "nothing found".
        ctx.stdout.write('No backups found\n');
        const failure = aggregateError(errors.filter((e) => !isNotFound(e)));
        if (failure) throw failure;
        return;
      }
      for (const b of backups) {
        try {
          await client.create(VeleroResources.deleteBackupRequests, deleteRequestFor(b, globals.namespace));
        } catch (err) {
          errors.push(err);
          continue;
        }
        ctx.stdout.write(
          `Request to delete backup "${b.metadata.name ?? ''}" submitted successfully.\nThe backup will be fully deleted after all associated data (disk snapshots, backup files, restores) are removed.\n`,
        );
      }
      const failure = aggregateError(errors);
      if (failure) throw failure;
    });
  });
  return cmd;
}
