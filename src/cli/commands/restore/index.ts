/** @module cli/commands/restore — the `restore` resource: create, get, describe, logs, delete. */
import type { ResourceModule } from '../../registry.ts';
import { restoreCreateCommand } from './create.ts';
import { restoreDeleteCommand } from './delete.ts';
import { restoreDescribeCommand } from './describe.ts';
import { restoreGetCommand } from './get.ts';
import { restoreLogsCommand } from './logs.ts';

export const restoreResource: ResourceModule = {
  noun: 'restore',
  plural: 'restores',
  description: 'Work with restores',
  verbs: {
    create: restoreCreateCommand,
    get: restoreGetCommand,
    describe: restoreDescribeCommand,
    logs: restoreLogsCommand,
    delete: restoreDeleteCommand,
  },
};
