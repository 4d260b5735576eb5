/**
 * @module cli/commands/repo/restore — `skiff repo restore SNAPSHOT TARGET`: a snapshot, or chosen paths of
 * it, into a directory; every blob is authenticated as it is read.
 */
import { resolve } from 'node:path';
import { Command, Option } from '@commander-js/extra-typings';
import type { CommandUnknownOpts } from '@commander-js/extra-typings';
import { restoreSnapshot, type RestoreResult } from '../../../repo/index.ts';
import type { CliContext } from '../../context.ts';
import { addRepoFlags, addRepoOutputFlag, jsonOutput, opts, printJson, shortId, withRepo } from './common.ts';
import { repeatArg } from './flags.ts';
import { formatBytes, formatCount, formatRate, formatSeconds, transferText, withProgress } from './progress.ts';

export function restoreSummary(r: RestoreResult, target: string): string {
  const links = r.symlinks + r.hardLinks > 0 ? `, ${formatCount(r.symlinks)} symlinks, ${formatCount(r.hardLinks)} hard links` : '';
  return `restored snapshot ${shortId(r.snapshot)} into ${target}: ${formatCount(r.files)} files, ${formatCount(r.dirs)} dirs${links}, ${formatBytes(r.bytes)} in ${formatSeconds(r.durationMs)} (${formatRate(r.bytes, r.durationMs)})\n`;
}

export function repoRestoreCommand(ctx: CliContext): CommandUnknownOpts {
  const cmd = new Command('restore')
    .description('Restore a snapshot (an id, a unique prefix of one, or "latest") into a directory, created if missing. Existing files are not replaced unless --overwrite.')
    .argument('<snapshot>', 'snapshot id, unique id prefix (4+ characters) or "latest"')
    .argument('<target>', 'the directory to restore into')
    .addOption(new Option('--include <path>', 'restore only this path of the snapshot, with everything below it (repeatable)').argParser(repeatArg))
    .addOption(new Option('--overwrite', 'replace existing files, symlinks and special files (directories are merged either way)'));
  addRepoFlags(cmd);
  addRepoOutputFlag(cmd);
  cmd.action(async (ref: string, target: string, _opts, self) => {
    const o = opts(self);
    const dest = resolve(ctx.cwd, target);
    const result = await withRepo(ctx, self, { lock: 'shared' }, (repo) =>
      withProgress(ctx.stderr, (line) =>
        restoreSnapshot(repo, ref, dest, {
          paths: (o['include'] as string[] | undefined) ?? [],
          overwrite: o['overwrite'] === true,
          onProgress: (p) => line.update(transferText({ bytes: p.bytes, files: p.files, elapsedMs: p.elapsedMs, totalBytes: p.totalBytes })),
        }),
      ),
    );
    if (jsonOutput(self)) {
      printJson(ctx, { ...result, target: dest });
      return;
    }
    for (const w of result.warnings) ctx.stderr.write(`warning: ${w.path ? `${w.path}: ` : ''}${w.message}\n`);
    ctx.stdout.write(restoreSummary(result, dest));
  });
  return cmd as unknown as CommandUnknownOpts;
}
