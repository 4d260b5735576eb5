/** @module cli/commands/restore/logs — `skiff restore logs RESTORE`: the restore's log from object storage, gunzipped to stdout. */
import type { CommandUnknownOpts } from '@commander-js/extra-typings';
import { VeleroResources } from '../../../api/index.ts';
import type { CliContext } from '../../context.ts';
import { logsCommandFor } from '../backup/logs.ts';

export function restoreLogsCommand(ctx: CliContext): CommandUnknownOpts {
  return logsCommandFor(ctx, { noun: 'restore', resource: VeleroResources.restores, kind: 'RestoreLog' });
}
