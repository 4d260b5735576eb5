/** @module cli/commands/backup/get — `skiff backup get [NAMES...]` (also `skiff get backups`). */
import { Command, Option } from '@commander-js/extra-typings';
import type { CommandUnknownOpts } from '@commander-js/extra-typings';
import { VeleroResources, type Backup } from '../../../api/index.ts';
import type { KubeClient } from '../../../kube/index.ts';
import type { CliContext } from '../../context.ts';
import { addOutputFlags, readOutputOptions } from '../../output/format.ts';
import { printObjects } from '../../output/print.ts';
import { apiError, withClient } from './common.ts';
import { optString, selectorStringArg } from './flag-values.ts';
import { backupColumns, sortBackups } from './table.ts';

/** The named backups (failing on the first that does not exist, as velero does), or a list by selector. */
export async function fetchBackups(client: KubeClient, namespace: string, names: readonly string[], labelSelector?: string): Promise<Backup[]> {
  if (names.length === 0) return (await client.list<Backup>(VeleroResources.backups, { namespace, labelSelector })).items;
  const out: Backup[] = [];
  for (const name of names) {
    try {
      out.push(await client.get<Backup>(VeleroResources.backups, name, { namespace }));
    } catch (err) {
      throw apiError(err);
    }
  }
  return out;
}

export function backupGetCommand(ctx: CliContext): CommandUnknownOpts {
  const cmd = new Command('get')
    .description('Get backups')
    .argument('[names...]', 'backups to show (default: all)')
    .addOption(new Option('-l, --selector <selector>', 'Only show items matching this label selector').argParser(selectorStringArg));
  addOutputFlags(cmd, { default: 'table' });
  cmd.action(async (_names, _opts, self) => {
    const output = readOutputOptions(self);
    const selector = optString(self.opts() as Record<string, unknown>, 'selector');
    const backups = await withClient(self, ctx, (client, globals) => fetchBackups(client, globals.namespace, self.args, selector));
    printObjects(output.format === 'table' ? sortBackups(backups) : backups, {
      format: output.format ?? 'table',
      kind: 'Backup',
      apiVersion: 'velero.io/v1',
      columns: backupColumns(),
      stdout: ctx.stdout,
      labelColumns: output.labelColumns,
      showLabels: output.showLabels,
    });
  });
  return cmd;
}
