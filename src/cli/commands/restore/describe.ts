/** @module cli/commands/restore/describe — `skiff restore describe [NAMES...]` (also `skiff describe restores`). */
import type { CommandUnknownOpts } from '@commander-js/extra-typings';
import { VeleroResources, type Restore } from '../../../api/index.ts';
import type { CliContext } from '../../context.ts';
import { withClient } from '../backup/common.ts';
import { describeCommandBase, describeFetchOptions } from '../backup/describe.ts';
import { SidecarFetcher } from '../backup/describe-fetch.ts';
import { optString } from '../backup/flag-values.ts';
import { fetchNamed } from '../backup/get.ts';
import { gatherRestoreDescribeInput } from './describe-fetch.ts';
import { renderRestoreDescription } from './describe-render.ts';

export function restoreDescribeCommand(ctx: CliContext): CommandUnknownOpts {
  const cmd = describeCommandBase('restore');
  cmd.action(async (_names, _opts, self) => {
    const selector = optString(self.opts() as Record<string, unknown>, 'selector');
    await withClient(self, ctx, async (client, globals) => {
      const restores = await fetchNamed<Restore>(client, VeleroResources.restores, globals.namespace, self.args, selector);
      const opts = { ...describeFetchOptions(self, ctx, client, globals), kind: 'Restore' as const };
      const files = new SidecarFetcher(opts);
      for (const [i, r] of restores.entries()) {
        const input = await gatherRestoreDescribeInput(opts, files, r);
        // Two blank lines between restores, as velero separates them.
        ctx.stdout.write(`${i > 0 ? '\n\n' : ''}${renderRestoreDescription(input)}`);
      }
    });
  });
  return cmd;
}
