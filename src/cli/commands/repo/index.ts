/**
 * @module cli/commands/repo — `skiff repo …`: the volume-data repository (ADR 0015) from the command line,
 * without a server or a cluster: an operator can inspect and recover volume data with it after a disaster.
 */
import type { CommandUnknownOpts } from '@commander-js/extra-typings';
import type { CliContext } from '../../context.ts';
import { createGroupCommand } from '../../registry.ts';
import { repoBackupCommand } from './backup.ts';
import { repoCheckCommand } from './check.ts';
import { repoForgetCommand } from './forget.ts';
import { repoInitCommand } from './init.ts';
import { repoLsCommand } from './ls.ts';
import { repoMaintainCommand } from './maintain.ts';
import { repoPasswordCommand } from './password.ts';
import { repoRestoreCommand } from './restore.ts';
import { repoSnapshotsCommand } from './snapshots.ts';

export function repoCommand(ctx: CliContext): CommandUnknownOpts {
  const group = createGroupCommand('repo', 'Work with volume-data repositories: deduplicated, compressed, encrypted snapshots of directories in object storage');
  for (const factory of [repoInitCommand, repoSnapshotsCommand, repoLsCommand, repoBackupCommand, repoRestoreCommand, repoForgetCommand, repoMaintainCommand, repoCheckCommand, repoPasswordCommand]) {
    group.addCommand(factory(ctx));
  }
  return group;
}
