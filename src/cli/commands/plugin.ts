/**
 * @module cli/commands/plugin — `skiff plugin get`: the server's plugins, from a ServerStatusRequest.
 * Skiff's plugins are built in, so there is no `plugin add` or `plugin remove`.
 */
import { Command, Option } from '@commander-js/extra-typings';
import type { CommandUnknownOpts } from '@commander-js/extra-typings';
import type { PluginInfo, ServerStatusRequest } from '../../api/index.ts';
import type { CliContext } from '../context.ts';
import { durationArg } from '../flags.ts';
import { addOutputFlags, readOutputOptions } from '../output/format.ts';
import { printObjects } from '../output/print.ts';
import type { ResourceModule } from '../registry.ts';
import { withClient } from './backup/common.ts';
import { requestServerStatus } from './version.ts';

/** Kind, then name: how Velero lists them. */
export function sortPlugins(plugins: readonly PluginInfo[]): PluginInfo[] {
  const key = (p: PluginInfo): string => `${p.kind ?? ''}\u0000${p.name ?? ''}`;
  return [...plugins].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
}

export function pluginGetCommand(ctx: CliContext): CommandUnknownOpts {
  const cmd = new Command('get')
    .description('Get information for all plugins on the skiff server')
    .addOption(new Option('--timeout <duration>', 'maximum time to wait for plugin information to be reported').argParser(durationArg).default(5000, '5s'));
  addOutputFlags(cmd, { default: 'table', labelFlags: false });
  cmd.action(async (_opts, self) => {
    const timeout = (self.opts() as { timeout: number }).timeout;
    const output = readOutputOptions(self);
    const status = await withClient(self, ctx, (client, globals) => requestServerStatus(client, globals.namespace, timeout)).catch((err: unknown) => {
      throw new Error(`error finding plugins: ${(err as Error).message}`, { cause: err });
    });
    if (output.format !== 'table') {
      printObjects<ServerStatusRequest>([status], { format: output.format ?? 'table', kind: 'ServerStatusRequest', apiVersion: 'velero.io/v1', columns: [], stdout: ctx.stdout });
      return;
    }
    printObjects<PluginInfo>(sortPlugins(status.status?.plugins ?? []), {
      format: 'table',
      kind: 'PluginInfo',
      apiVersion: 'velero.io/v1',
      columns: [{ header: 'Name', value: (p) => p.name }, { header: 'Kind', value: (p) => p.kind }],
      stdout: ctx.stdout,
    });
  });
  return cmd;
}

export const pluginResource: ResourceModule = {
  noun: 'plugin',
  plural: 'plugins',
  description: 'Work with plugins',
  verbs: { get: pluginGetCommand },
};
