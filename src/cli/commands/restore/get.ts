/** @module cli/commands/restore/get — `skiff restore get [NAMES...]` (also `skiff get restores`). */
import type { CommandUnknownOpts } from '@commander-js/extra-typings';
import { VeleroResources, type Restore } from '../../../api/index.ts';
import type { CliContext } from '../../context.ts';
import { getCommandFor } from '../backup/get.ts';
import { sortByTimestampedName } from '../backup/table.ts';
import { restoreColumns } from './table.ts';

export function restoreGetCommand(ctx: CliContext): CommandUnknownOpts {
  return getCommandFor<Restore>(ctx, { plural: 'restores', kind: 'Restore', resource: VeleroResources.restores, columns: restoreColumns, sort: sortByTimestampedName });
}
