/** @module cli/resources — the live lists of resources and standalone commands; new work appends here. */
import { backupResource } from './commands/backup/index.ts';
import { backupLocationResource } from './commands/backup-location/index.ts';
import { restoreResource } from './commands/restore/index.ts';
import { scheduleResource } from './commands/schedule/index.ts';
import { pluginResource } from './commands/plugin.ts';
import { clientCommand } from './commands/client.ts';
import { installCommand } from './commands/install.ts';
import { uninstallCommand } from './commands/uninstall.ts';
import { versionCommand } from './commands/version.ts';
import { serverCommand } from './commands/server.ts';
import { repoCommand } from './commands/repo/index.ts';
import type { CommandFactory, ResourceModule } from './registry.ts';

/**
 * Resource kinds with noun-verb commands (`skiff backup get` / `skiff get backups`).
 * Velero's: backup, restore, schedule, backup-location, snapshot-location, repo, plugin.
 */
export const defaultResources: readonly ResourceModule[] = [backupResource, backupLocationResource, restoreResource, scheduleResource, pluginResource];

/** Top-level commands that are not resources (version, client, install, uninstall, ...). */
export const defaultCommands: readonly CommandFactory[] = [versionCommand, clientCommand, serverCommand, installCommand, uninstallCommand, repoCommand];
