/**
 * @module cli/commands/uninstall — `skiff uninstall [--force]`: removes what install created (the namespace and
 * everything in it, the cluster-wide RBAC, the velero.io CRDs); backups in object storage stay where they are.
 */
import { Command, Option } from '@commander-js/extra-typings';
import type { CommandUnknownOpts } from '@commander-js/extra-typings';
import { clusterBindingName, uninstall } from '../../install/index.ts';
import type { CliContext } from '../context.ts';
import { ExitError } from '../errors.ts';
import { boolArg } from '../flags.ts';
import { resolveGlobals } from '../globals.ts';
import { commandPath } from '../registry.ts';
import { withClient } from './backup/common.ts';
import { ask, terminalInput } from '../prompt.ts';

/** `--force` goes ahead; otherwise a y/N prompt at a terminal, and without one nothing is removed. */
async function confirmUninstall(self: CommandUnknownOpts, ctx: CliContext, namespace: string): Promise<boolean> {
  if ((self.opts() as Record<string, unknown>)['force'] === true) return true;
  const input = terminalInput(ctx);
  if (input === undefined) {
    throw new ExitError(1, `Not uninstalling: there is no terminal to confirm on. Run '${commandPath(self)}' with --force to uninstall without a prompt.`);
  }
  ctx.stdout.write(
    `You are about to uninstall Skiff from namespace "${namespace}": the namespace and everything in it, the ClusterRoleBinding ` +
      `"${clusterBindingName(namespace)}" and the velero.io CustomResourceDefinitions (with every Backup, Restore and Schedule object in the cluster). ` +
      'Backups in object storage are not touched.\n',
  );
  return ask(ctx, input);
}

export function uninstallCommand(ctx: CliContext): CommandUnknownOpts {
  const cmd = new Command('uninstall')
    .description('Uninstall Skiff: delete its namespace (waiting until it is gone), its ClusterRoleBinding and the velero.io CustomResourceDefinitions. Backups in object storage are kept.')
    .addOption(new Option('--force [bool]', 'Uninstall without asking for confirmation').argParser(boolArg))
    .addOption(new Option('--wait [bool]', 'Deprecated: uninstall always waits for the namespace to be deleted').argParser(boolArg));
  cmd.action(async (_opts, self) => {
    if ((self.opts() as Record<string, unknown>)['wait'] !== undefined) ctx.stderr.write('Warning: --wait is deprecated: uninstall always waits for the namespace to be deleted\n');
    const { namespace } = resolveGlobals(self, ctx);
    if (!(await confirmUninstall(self, ctx, namespace))) {
      ctx.stdout.write('Nothing was uninstalled.\n');
      return;
    }
    await withClient(self, ctx, (client) => uninstall(client, { namespace, out: ctx.stdout }));
  });
  return cmd;
}
