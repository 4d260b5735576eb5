/** @module cli/commands/backup/get — `skiff backup get [NAMES...]` (also `skiff get backups`), and the same command for other kinds. */
import { Command, Option } from '@commander-js/extra-typings';
import type { CommandUnknownOpts } from '@commander-js/extra-typings';
import { VeleroResources, type Backup } from '../../../api/index.ts';
import type { KubeClient, KubeObject, ResourceRef } from '../../../kube/index.ts';
import type { CliContext } from '../../context.ts';
import { addOutputFlags, readOutputOptions } from '../../output/format.ts';
import type { Column } from '../../output/print.ts';
import { apiError, printVeleroObjects, withClient } from './common.ts';
import { optString, selectorStringArg } from './flag-values.ts';
import { backupColumns, sortBackups } from './table.ts';

/** The named objects (failing on the first that does not exist, as velero does), or a list by selector. */
export async function fetchNamed<T extends KubeObject>(client: KubeClient, resource: ResourceRef, namespace: string, names: readonly string[], labelSelector?: string): Promise<T[]> {
  if (names.length === 0) return (await client.list<T>(resource, { namespace, labelSelector })).items;
  const out: T[] = [];
  for (const name of names) {
    try {
      out.push(await client.get<T>(resource, name, { namespace }));
    } catch (err) {
      throw apiError(err);
    }
  }
  return out;
}

export function fetchBackups(client: KubeClient, namespace: string, names: readonly string[], labelSelector?: string): Promise<Backup[]> {
  return fetchNamed<Backup>(client, VeleroResources.backups, namespace, names, labelSelector);
}

/** What a `get` command lists and how its table looks. */
export interface GetSpec<T extends KubeObject> {
  /** Plural word for help texts, e.g. "backups". */
  plural: string;
  kind: string;
  resource: ResourceRef;
  columns: () => Column<T>[];
  /** Row order of the table (JSON and YAML keep the API server's order). */
  sort: (items: readonly T[]) => T[];
}

/** A `get [NAMES...] [-l] [-o]` command for one kind. */
export function getCommandFor<T extends KubeObject>(ctx: CliContext, spec: GetSpec<T>): CommandUnknownOpts {
  const cmd = new Command('get')
    .description(`Get ${spec.plural}`)
    .argument('[names...]', `${spec.plural} to show (default: all)`)
    .addOption(new Option('-l, --selector <selector>', 'Only show items matching this label selector').argParser(selectorStringArg));
  addOutputFlags(cmd, { default: 'table' });
  cmd.action(async (_names, _opts, self) => {
    const output = readOutputOptions(self);
    const selector = optString(self.opts() as Record<string, unknown>, 'selector');
    const items = await withClient(self, ctx, (client, globals) => fetchNamed<T>(client, spec.resource, globals.namespace, self.args, selector));
    printVeleroObjects(ctx, output.format === 'table' ? spec.sort(items) : items, output, spec.kind, spec.columns());
  });
  return cmd;
}

export function backupGetCommand(ctx: CliContext): CommandUnknownOpts {
  return getCommandFor<Backup>(ctx, { plural: 'backups', kind: 'Backup', resource: VeleroResources.backups, columns: backupColumns, sort: sortBackups });
}
