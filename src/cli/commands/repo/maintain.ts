/**
 * @module cli/commands/repo/maintain — `skiff repo maintain`: collects unreferenced blobs and repacks sparse
 * packs (safe beside a running backup, ADR 0015), or with --dry-run says what it would do.
 */
import { Command, Option } from '@commander-js/extra-typings';
import type { CommandUnknownOpts } from '@commander-js/extra-typings';
import { maintainRepository, type MaintainProgress, type MaintainResult } from '../../../repo/index.ts';
import type { CliContext } from '../../context.ts';
import { addRepoFlags, addRepoOutputFlag, jsonOutput, opts, printJson, withRepo } from './common.ts';
import { formatBytes, formatCount, formatSeconds, withProgress } from './progress.ts';

/** `repack: 3/10 packs` — the phase and how far it got. */
export function maintainProgress(p: MaintainProgress): string {
  return `${p.phase}: ${formatCount(p.done)}${p.total !== undefined ? `/${formatCount(p.total)}` : ''}`;
}

/** What maintenance did (or, dry, would do), in a few lines. */
export function maintainSummary(r: MaintainResult, dryRun: boolean): string {
  const would = dryRun ? 'would be ' : '';
  const lines = [
    `maintenance${dryRun ? ' (dry run: nothing was changed)' : ''}: ${formatCount(r.snapshots)} snapshots, ${formatCount(r.trees)} trees, ${formatCount(r.blobsLive)} of ${formatCount(r.blobsTotal)} blobs in use (${formatBytes(r.bytesLive)} of ${formatBytes(r.bytesTotal)})`,
    `packs: ${formatCount(r.packsTotal)}, ${formatCount(r.packsRemoved)} ${would}deleted, ${formatCount(r.packsRepacked)} ${would}repacked into ${formatCount(r.packsWritten)}, ${formatCount(r.unindexedPacksRemoved)} unindexed ${would}deleted (${formatCount(r.unindexedPacksProtected)} younger than the grace period left alone)`,
    `space: ${formatBytes(r.bytesDeleted)} ${would}deleted, ${formatBytes(r.bytesWritten)} ${would}written, ${formatBytes(r.bytesFreed)} ${would}freed; index files: ${formatCount(r.indexFilesWritten)} ${would}written, ${formatCount(r.indexFilesRemoved)} ${would}removed; ${formatSeconds(r.durationMs)}`,
  ];
  if (r.missingPacks > 0) lines.push(`${formatCount(r.missingPacks)} indexed packs were missing from the store (none held data in use)`);
  if (r.rebuiltIndex) lines.push('packs no index listed held data in use: they were indexed first');
  return `${lines.join('\n')}\n`;
}

export function repoMaintainCommand(ctx: CliContext): CommandUnknownOpts {
  const cmd = new Command('maintain')
    .description('Free the space of forgotten snapshots: delete packs nothing references and repack sparse ones. Safe beside a running backup.')
    .addOption(new Option('--dry-run', 'only show what would be deleted and repacked'));
  addRepoFlags(cmd);
  addRepoOutputFlag(cmd);
  cmd.action(async (_opts, self) => {
    const dryRun = opts(self)['dryRun'] === true;
    const result = await withRepo(ctx, self, {}, (repo) =>
      withProgress(ctx.stderr, (line) => maintainRepository(repo, { dryRun, onProgress: (p) => line.update(maintainProgress(p)) })),
    );
    if (jsonOutput(self)) printJson(ctx, result);
    else ctx.stdout.write(maintainSummary(result, dryRun));
  });
  return cmd;
}
