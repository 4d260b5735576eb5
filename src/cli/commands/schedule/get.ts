/** @module cli/commands/schedule/get — `skiff schedule get [NAMES...]` (also `skiff get schedules`). */
import type { CommandUnknownOpts } from '@commander-js/extra-typings';
import { VeleroResources, type Schedule } from '../../../api/index.ts';
import type { CliContext } from '../../context.ts';
import { getCommandFor } from '../backup/get.ts';
import { scheduleColumns } from './table.ts';

export function scheduleGetCommand(ctx: CliContext): CommandUnknownOpts {
  // Rows as the API server lists them (by name), as velero prints them.
  return getCommandFor<Schedule>(ctx, { plural: 'schedules', kind: 'Schedule', resource: VeleroResources.schedules, columns: scheduleColumns, sort: (items) => [...items] });
}
