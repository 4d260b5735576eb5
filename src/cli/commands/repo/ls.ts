/**
 * @module cli/commands/repo/ls — `skiff repo ls SNAPSHOT [PATH]`: the entries of a snapshot (below PATH),
 * streamed as they are read, so a snapshot of millions of files lists in constant memory.
 */
import { Command, Option } from '@commander-js/extra-typings';
import type { CommandUnknownOpts } from '@commander-js/extra-typings';
import { findNode, findSnapshot, splitSnapshotPath, walkSnapshot, type Repository, type TreeNode } from '../../../repo/index.ts';
import type { CliContext } from '../../context.ts';
import { writeChunk } from '../../output/write.ts';
import { addRepoFlags, addRepoOutputFlag, jsonOutput, opts, withRepo } from './common.ts';
import { snapshotTime } from './snapshots.ts';

const TYPE_CHAR: Readonly<Record<TreeNode['type'], string>> = { file: '-', dir: 'd', symlink: 'l', fifo: 'p', socket: 's', chardev: 'c', blockdev: 'b' };

/** `drwxr-xr-x`, with setuid/setgid/sticky as `ls` shows them. */
export function modeString(type: TreeNode['type'], mode: number): string {
  const rwx = (bits: number, special: boolean, specialChar: string): string => {
    const x = bits & 1 ? (special ? specialChar : 'x') : special ? specialChar.toUpperCase() : '-';
    return `${bits & 4 ? 'r' : '-'}${bits & 2 ? 'w' : '-'}${x}`;
  };
  return `${TYPE_CHAR[type]}${rwx(mode >> 6, (mode & 0o4000) !== 0, 's')}${rwx(mode >> 3, (mode & 0o2000) !== 0, 's')}${rwx(mode, (mode & 0o1000) !== 0, 't')}`;
}

/** One line of `ls -l`: mode, owner, size, mtime, path (and a symlink's target). */
export function longLine(path: string, n: TreeNode): string {
  const size = n.type === 'file' ? String(n.size ?? 0) : n.rdev !== undefined ? String(n.rdev) : '0';
  const target = n.type === 'symlink' ? ` -> ${n.linkTarget ?? ''}` : '';
  return `${modeString(n.type, n.mode)} ${String(n.uid).padStart(6)} ${String(n.gid).padStart(6)} ${size.padStart(12)} ${snapshotTime(n.mtime)}  ${path}${target}`;
}

/** A node as `-o json` prints it: its path and metadata, not its content ids. */
export function nodeJson(path: string, n: TreeNode): Record<string, unknown> {
  const { content: _content, name: _name, ...rest } = n;
  return { path, ...rest };
}

/** The entries to list: the node at PATH and everything below it, or the whole snapshot. */
async function* entries(repo: Repository, ref: string, path: string | undefined): AsyncGenerator<{ path: string; node: TreeNode }> {
  const snap = await findSnapshot(repo, ref);
  const names = path === undefined ? [] : splitSnapshotPath(path);
  const node = names.length === 0 ? undefined : await findNode(repo, snap.tree, names);
  const base = names.join('/');
  if (node) yield { path: base, node };
  const tree = node ? (node.type === 'dir' ? node.subtree : undefined) : snap.tree;
  if (tree !== undefined) yield* walkSnapshot(repo, tree, base);
}

export function repoLsCommand(ctx: CliContext): CommandUnknownOpts {
  const cmd = new Command('ls')
    .description('List the files of a snapshot (an id, a unique prefix of one, or "latest"), below PATH when given')
    .argument('<snapshot>', 'snapshot id, unique id prefix (4+ characters) or "latest"')
    .argument('[path]', 'a path inside the snapshot')
    .addOption(new Option('-l, --long', 'long listing: mode, owner, size, modification time'));
  addRepoFlags(cmd);
  addRepoOutputFlag(cmd);
  cmd.action(async (ref: string, path: string | undefined, _opts, self) => {
    const json = jsonOutput(self);
    const long = opts(self)['long'] === true;
    await withRepo(ctx, self, {}, async (repo) => {
      let first = true;
      for await (const e of entries(repo, ref, path)) {
        const shown = `/${e.path}`;
        const line = json ? `${first ? '[\n' : ',\n'}  ${JSON.stringify(nodeJson(shown, e.node))}` : `${long ? longLine(shown, e.node) : shown}\n`;
        first = false;
        await writeChunk(ctx.stdout, line);
      }
      if (json) ctx.stdout.write(first ? '[]\n' : '\n]\n');
    });
  });
  return cmd as unknown as CommandUnknownOpts;
}
