/** @module cli/commands/backup/delete — `skiff backup delete NAMES | --all | -l` (also `skiff delete backup`): DeleteBackupRequests; the shared delete command. */
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
import { isNotFound, type KubeClient, type KubeObject, type ResourceRef } from '../../../kube/index.ts';
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

/** The selected objects, and the errors of names that could not be fetched (velero carries on past them). */
async function selectObjects<T extends KubeObject>(client: KubeClient, resource: ResourceRef, namespace: string, sel: Selection): Promise<{ items: T[]; errors: unknown[] }> {
  if (sel.kind !== 'names') {
    const labelSelector = selectionLabelSelector(sel);
    return { items: (await client.list<T>(resource, { namespace, labelSelector })).items, errors: [] };
  }
  const items: T[] = [];
  const errors: unknown[] = [];
  for (const name of sel.names) {
    try {
      items.push(await client.get<T>(resource, name, { namespace }));
    } catch (err) {
      errors.push(err);
    }
  }
  return { items, errors };
}

/** What a `delete` command removes and how. */
export interface DeleteSpec<T extends KubeObject> {
  /** Singular word, e.g. "backup". */
  noun: string;
  resource: ResourceRef;
  /** Starts the deletion of one object (a request, or the object itself). */
  act: (client: KubeClient, obj: T, namespace: string) => Promise<unknown>;
  /** Printed once `act` succeeded. */
  submitted: (name: string) => string;
}

/** A `delete NAMES | --all | -l [--confirm]` command: selects, confirms, acts on each, reports every failure at the end. */
export function deleteCommandFor<T extends KubeObject>(ctx: CliContext, spec: DeleteSpec<T>): CommandUnknownOpts {
  const cmd = new Command('delete').description(`Delete ${spec.noun}s`).argument('[names...]', `${spec.noun}s to delete`);
  addSelectFlags(cmd, 'delete', spec.noun);
  cmd.action(async (_names, _opts, self) => {
    const sel = readSelection(self, spec.noun);
    if (!(await confirmed(self, ctx))) return;
    await withClient(self, ctx, async (client, globals) => {
      const { items, errors } = await selectObjects<T>(client, spec.resource, globals.namespace, sel);
      if (items.length === 0) {
        // As velero: names that do not exist, when nothing else matched, are just "nothing found".
        ctx.stdout.write(`No ${spec.noun}s found\n`);
        const failure = aggregateError(errors.filter((e) => !isNotFound(e)));
        if (failure) throw failure;
        return;
      }
      for (const obj of items) {
        try {
          await spec.act(client, obj, globals.namespace);
        } catch (err) {
          errors.push(err);
          continue;
        }
        ctx.stdout.write(spec.submitted(obj.metadata.name ?? ''));
      }
      const failure = aggregateError(errors);
      if (failure) throw failure;
    });
  });
  return cmd;
}

export function backupDeleteCommand(ctx: CliContext): CommandUnknownOpts {
  return deleteCommandFor<Backup>(ctx, {
    noun: 'backup',
    resource: VeleroResources.backups,
    act: (client, b, namespace) => client.create(VeleroResources.deleteBackupRequests, deleteRequestFor(b, namespace)),
    submitted: (name) =>
      `Request to delete backup "${name}" submitted successfully.\nThe backup will be fully deleted after all associated data (disk snapshots, backup files, restores) are removed.\n`,
  });
}
