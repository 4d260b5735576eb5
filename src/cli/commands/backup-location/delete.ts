/** @module cli/commands/backup-location/delete — `backup-location delete`: the locations, then (as velero) their Backup and BackupRepository objects. */
import { Command } from '@commander-js/extra-typings';
import type { CommandUnknownOpts } from '@commander-js/extra-typings';
import { LABEL_STORAGE_LOCATION, labelSafeName, VeleroResources, type BackupStorageLocation } from '../../../api/index.ts';
import { isNotFound, type KubeClient, type KubeObject, type ResourceRef } from '../../../kube/index.ts';
import type { CliContext, OutputStream } from '../../context.ts';
import { aggregateError, apiMessage, withClient } from '../backup/common.ts';
import { addSelectFlags, confirmed, readSelection, selectionLabelSelector, type Selection } from '../backup/select.ts';

async function selectLocations(client: KubeClient, namespace: string, sel: Selection, errors: unknown[]): Promise<BackupStorageLocation[]> {
  const ref = VeleroResources.backupStorageLocations;
  if (sel.kind !== 'names') return (await client.list<BackupStorageLocation>(ref, { namespace, labelSelector: selectionLabelSelector(sel) })).items;
  const out: BackupStorageLocation[] = [];
  for (const name of sel.names) {
    try {
      out.push(await client.get<BackupStorageLocation>(ref, name, { namespace }));
    } catch (err) {
      errors.push(err);
    }
  }
  return out;
}

/** Deletes every object of `ref` labelled with the location; a message per object, errors collected. */
async function deleteLabelled(
  client: KubeClient,
  ref: ResourceRef,
  namespace: string,
  location: string,
  what: string,
  out: OutputStream,
  errors: unknown[],
): Promise<void> {
  let items: KubeObject[];
  try {
    items = (await client.list(ref, { namespace, labelSelector: `${LABEL_STORAGE_LOCATION}=${labelSafeName(location)}` })).items;
  } catch (err) {
    errors.push(new Error(`find ${what}s associated with BSL "${location}": ${apiMessage(err)}`));
    return;
  }
  for (const item of items) {
    const name = item.metadata.name ?? '';
    try {
      await client.delete(ref, name, { namespace });
    } catch (err) {
      if (!isNotFound(err)) errors.push(new Error(`delete ${what} "${name}" associated with deleted BSL: ${apiMessage(err)}`));
      continue;
    }
    out.write(`${what.charAt(0).toUpperCase()}${what.slice(1)} associated with deleted BSL(s) "${name}" deleted successfully.\n`);
  }
}

export function locationDeleteCommand(ctx: CliContext): CommandUnknownOpts {
  const cmd = new Command('delete').description('Delete backup storage locations').argument('[names...]', 'locations to delete');
  addSelectFlags(cmd, 'delete', 'backup-location');
  cmd.action(async (_names, _opts, self) => {
    const sel = readSelection(self, 'backup-location');
    if (!(await confirmed(self, ctx))) return;
    await withClient(self, ctx, async (client, globals) => {
      const ns = globals.namespace;
      const errors: unknown[] = [];
      const locations = await selectLocations(client, ns, sel, errors);
      if (locations.length === 0) {
        ctx.stdout.write('No backup-locations found\n');
        const failure = aggregateError(errors.filter((e) => !isNotFound(e)));
        if (failure) throw failure;
        return;
      }
      for (const l of locations) {
        const name = l.metadata.name ?? '';
        try {
          await client.delete(VeleroResources.backupStorageLocations, name, { namespace: ns });
        } catch (err) {
          errors.push(err);
          continue;
        }
        ctx.stdout.write(`Backup storage location "${name}" deleted successfully.\n`);
        await deleteLabelled(client, VeleroResources.backups, ns, name, 'backup', ctx.stdout, errors);
        await deleteLabelled(client, VeleroResources.backupRepositories, ns, name, 'backup repository', ctx.stdout, errors);
      }
      const failure = aggregateError(errors);
      if (failure) throw failure;
    });
  });
  return cmd;
}
