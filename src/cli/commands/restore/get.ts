/** @module cli/commands/restore/get — `skiff restore get [NAMES...]` (also `skiff get restores`). */
import type { CommandUnknownOpts } from '@commander-js/extra-typings';
import { VeleroResources, type Restore } from '../../../api/index.ts';
import type { CliContext } from '../../context.ts';
import { getCommandFor } from '../backup/get.ts';
import { restoreColumns } from './table.ts';

/**
 * Rows as the API server returns them (by name) or as the names were given: velero regroups only backups
 * by schedule timestamp, never restores.
 */
export function sortRestores(items: readonly Restore[]): Restore[] {
  return [...items];
}

export function restoreGetCommand(ctx: CliContext): CommandUnknownOpts {
  return getCommandFor<Restore>(ctx, { plural: 'restores', kind: 'Restore', resource: VeleroResources.restores, columns: restoreColumns, sort: sortRestores });
}
