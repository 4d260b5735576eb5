/** @module cli/commands/schedule/describe — `skiff schedule describe [NAMES...]` (also `skiff describe schedules`). */
import { Command, Option } from '@commander-js/extra-typings';
import type { CommandUnknownOpts } from '@commander-js/extra-typings';
import { VeleroResources, type Schedule } from '../../../api/index.ts';
import type { CliContext } from '../../context.ts';
import { withClient } from '../backup/common.ts';
import { optString, selectorStringArg } from '../backup/flag-values.ts';
import { fetchNamed } from '../backup/get.ts';
import { renderScheduleDescription } from './describe-render.ts';

export function scheduleDescribeCommand(ctx: CliContext): CommandUnknownOpts {
  const cmd = new Command('describe')
    .description('Describe schedules')
    .argument('[names...]', 'schedules to describe (default: all)')
    .addOption(new Option('-l, --selector <selector>', 'Only show items matching this label selector.').argParser(selectorStringArg));
  cmd.action(async (_names, _opts, self) => {
    const selector = optString(self.opts() as Record<string, unknown>, 'selector');
    await withClient(self, ctx, async (client, globals) => {
      const schedules = await fetchNamed<Schedule>(client, VeleroResources.schedules, globals.namespace, self.args, selector);
      // Two blank lines between schedules, as between backups.
      schedules.forEach((s, i) => ctx.stdout.write(`${i > 0 ? '\n\n' : ''}${renderScheduleDescription(s, globals.colorized)}`));
    });
  });
  return cmd;
}
