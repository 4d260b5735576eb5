/** @module cli/commands/schedule/delete — `skiff schedule delete NAMES | --all | -l` (also `skiff delete schedule`). */
import type { CommandUnknownOpts } from '@commander-js/extra-typings';
import { VeleroResources, type Schedule } from '../../../api/index.ts';
import type { CliContext } from '../../context.ts';
import { deleteCommandFor } from '../backup/delete.ts';

/** Deletes the Schedule objects; their backups stay (unless they are owned by the schedule: then Kubernetes removes the Backup objects). */
export function scheduleDeleteCommand(ctx: CliContext): CommandUnknownOpts {
  return deleteCommandFor<Schedule>(ctx, {
    noun: 'schedule',
    resource: VeleroResources.schedules,
    act: (client, s, namespace) => client.delete(VeleroResources.schedules, s.metadata.name ?? '', { namespace }),
    submitted: (name) => `Schedule deleted: ${name}\n`,
  });
}
