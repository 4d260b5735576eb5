/** @module cli/commands/backup-location — the `backup-location` resource: create, get, set, delete. */
import type { ResourceModule } from '../../registry.ts';
import { locationCreateCommand, locationGetCommand, locationSetCommand } from './commands.ts';
import { locationDeleteCommand } from './delete.ts';

export const backupLocationResource: ResourceModule = {
  noun: 'backup-location',
  plural: 'backup-locations',
  description: 'Work with backup storage locations',
  verbs: {
    create: locationCreateCommand,
    get: locationGetCommand,
    set: locationSetCommand,
    delete: locationDeleteCommand,
  },
};
