/** @module cli/commands/backup — the `backup` resource: create, get, describe, logs, download, delete. */
import type { ResourceModule } from '../../registry.ts';
import { backupCreateCommand } from './create.ts';
import { backupDeleteCommand } from './delete.ts';
import { backupDescribeCommand } from './describe.ts';
import { backupDownloadCommand } from './download.ts';
import { backupGetCommand } from './get.ts';
import { backupLogsCommand } from './logs.ts';

export const backupResource: ResourceModule = {
  noun: 'backup',
  plural: 'backups',
  description: 'Work with backups',
  verbs: {
    create: backupCreateCommand,
    get: backupGetCommand,
    describe: backupDescribeCommand,
    logs: backupLogsCommand,
    download: backupDownloadCommand,
    delete: backupDeleteCommand,
  },
};
