/**
 * @module cli/commands/repo/password — `skiff repo password add|change|list|remove`: the passwords (key
 * files) that open a repository. Data is never rewritten; the new password comes from --new-password-file
 * or is typed twice at a terminal.
 */
import { Command, Option } from '@commander-js/extra-typings';
import type { CommandUnknownOpts } from '@commander-js/extra-typings';
import type { KeyInfo, Repository } from '../../../repo/index.ts';
import type { CliContext } from '../../context.ts';
import { UsageError } from '../../errors.ts';
import { formatCells } from '../../output/tabwriter.ts';
import { commandPath, createGroupCommand } from '../../registry.ts';
import { askNewPassword, terminalInput, withSecretReader } from '../../prompt.ts';
import { addRepoFlags, addRepoOutputFlag, jsonOutput, opts, printJson, readPasswordFile, withRepo } from './common.ts';
import { snapshotTime } from './snapshots.ts';

async function newPassword(ctx: CliContext, self: CommandUnknownOpts): Promise<string> {
  const file = opts(self)['newPasswordFile'];
  if (typeof file === 'string') return readPasswordFile(file, '--new-password-file', self);
  const input = terminalInput(ctx);
  if (!input) throw new UsageError('no new password: give --new-password-file (there is no terminal to ask on)', commandPath(self));
  return withSecretReader(ctx, input, (r) => askNewPassword(r, 'the new password'));
}

function withNewPassword(ctx: CliContext, name: 'add' | 'change', description: string, act: (repo: Repository, password: string) => Promise<string>): CommandUnknownOpts {
  const cmd = new Command(name)
    .description(description)
    .addOption(new Option('--new-password-file <file>', 'read the new password from this file (first line); else it is typed twice at a terminal'));
  addRepoFlags(cmd);
  cmd.action(async (_opts, self) => {
    // The current password first: a wrong one fails before a new one is asked for.
    const id = await withRepo(ctx, self, {}, async (repo) => act(repo, await newPassword(ctx, self)));
    ctx.stdout.write(`${id}\n`);
    ctx.stderr.write(name === 'add' ? `Added key ${id.slice(0, 12)}: the new password opens the repository too.\n` : `Changed the password: new key ${id.slice(0, 12)}, the old key removed.\n`);
  });
  return cmd;
}

export function keysTable(keys: readonly KeyInfo[]): string {
  const rows = keys.map((k) => [k.current ? '*' : '', k.id.slice(0, 12), k.username, k.hostname, snapshotTime(k.created)]);
  return formatCells([['', 'ID', 'USER', 'HOST', 'CREATED (UTC)'], ...rows], { minWidth: 0, padding: 2 });
}

function listCommand(ctx: CliContext): CommandUnknownOpts {
  const cmd = new Command('list').description('List the keys (one per password) of a repository; * marks the one the given password opened');
  addRepoFlags(cmd);
  addRepoOutputFlag(cmd);
  cmd.action(async (_opts, self) => {
    const keys = await withRepo(ctx, self, {}, (repo) => repo.listKeys());
    if (jsonOutput(self)) printJson(ctx, keys);
    else ctx.stdout.write(keysTable(keys));
  });
  return cmd;
}

function removeCommand(ctx: CliContext): CommandUnknownOpts {
  const cmd = new Command('remove').description('Remove a key (its password no longer opens the repository); never the one in use or the last one').argument('<id>', 'key id or unique prefix (see "password list")');
  addRepoFlags(cmd);
  cmd.action(async (id: string, _opts, self) => {
    await withRepo(ctx, self, {}, (repo) => repo.removeKey(id));
    ctx.stderr.write(`Removed key ${id}.\n`);
  });
  return cmd as unknown as CommandUnknownOpts;
}

export function repoPasswordCommand(ctx: CliContext): CommandUnknownOpts {
  const group = createGroupCommand('password', 'Manage the passwords that open a repository');
  group.addCommand(withNewPassword(ctx, 'add', 'Add a password that opens the repository (prints the new key id)', (repo, pw) => repo.addPassword(pw)));
  group.addCommand(withNewPassword(ctx, 'change', 'Change the password given (a new key replaces its key; prints the new key id)', (repo, pw) => repo.changePassword(pw)));
  group.addCommand(listCommand(ctx));
  group.addCommand(removeCommand(ctx));
  return group;
}
