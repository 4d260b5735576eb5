/** @module cli/commands/schedule — the `schedule` resource: create, get, describe, delete, pause, unpause. */
import type { ResourceModule } from '../../registry.ts';
import { scheduleCreateCommand } from './create.ts';
import { scheduleDeleteCommand } from './delete.ts';
import { scheduleDescribeCommand } from './describe.ts';
import { scheduleGetCommand } from './get.ts';
import { schedulePauseCommand, scheduleUnpauseCommand } from './pause.ts';

export const scheduleResource: ResourceModule = {
  noun: 'schedule',
  plural: 'schedules',
  description: 'Work with schedules',
  verbs: {
    create: scheduleCreateCommand,
    get: scheduleGetCommand,
    describe: scheduleDescribeCommand,
    delete: scheduleDeleteCommand,
    pause: schedulePauseCommand,
    unpause: scheduleUnpauseCommand,
  },
};
