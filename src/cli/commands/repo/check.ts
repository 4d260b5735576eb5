/**
 * @module cli/commands/repo/check — `skiff repo check`: verifies the structure of a repository (every
 * snapshot's trees, every blob they need indexed in an existing pack), and with --read-data also reads and
 * authenticates every blob (or a share of the packs). Exits 1 when it finds a problem, naming each.
 */
import { Command, Option } from '@commander-js/extra-typings';
import type { CommandUnknownOpts } from '@commander-js/extra-typings';
import { checkRepository, type CheckProgress, type CheckResult } from '../../../repo/index.ts';
import type { CliContext } from '../../context.ts';
import { ExitError, UsageError } from '../../errors.ts';
import { commandPath } from '../../registry.ts';
import { addRepoFlags, addRepoOutputFlag, jsonOutput, opts, printJson, withRepo } from './common.ts';
import { dataSubsetArg, type DataSubset } from './flags.ts';
import { formatBytes, formatCount, withProgress } from './progress.ts';

/** `data: 12/40 packs, 180 MiB read`. */
export function checkProgress(p: CheckProgress): string {
  const bytes = p.bytes !== undefined ? `, ${formatBytes(p.bytes)} read` : '';
  return `${p.phase}: ${formatCount(p.done)}${p.total !== undefined ? `/${formatCount(p.total)}` : ''}${bytes}`;
}

export function checkSummary(r: CheckResult): string {
  const counts = `${formatCount(r.snapshots)} snapshots, ${formatCount(r.trees)} trees, ${formatCount(r.packs)} packs, ${formatCount(r.blobs)} blobs`;
  const read = r.bytesRead > 0 ? `, ${formatBytes(r.bytesRead)} read and authenticated` : '';
  const verdict = r.errors.length === 0 ? 'no errors were found' : `${r.errors.length} error${r.errors.length === 1 ? '' : 's'}`;
  return `checked ${counts}${read}: ${verdict}${r.warnings.length > 0 ? `, ${r.warnings.length} warning${r.warnings.length === 1 ? '' : 's'}` : ''}\n`;
}

/** What `--read-data` / `--read-data-subset` ask for, checking they are not both given. */
export function readDataOptions(self: CommandUnknownOpts): { readData: boolean; readDataSubset?: DataSubset } {
  const o = opts(self);
  const subset = o['readDataSubset'] as DataSubset | undefined;
  if (subset && o['readData'] === true) throw new UsageError('--read-data and --read-data-subset cannot be used together: --read-data reads everything', commandPath(self));
  return { readData: o['readData'] === true || subset !== undefined, ...(subset ? { readDataSubset: subset } : {}) };
}

export function repoCheckCommand(ctx: CliContext): CommandUnknownOpts {
  const cmd = new Command('check')
    .description('Verify a repository: its structure, and with --read-data every stored byte. Exits 1 when it finds a problem.')
    .addOption(new Option('--read-data', 'also read and authenticate every blob of every pack'))
    .addOption(new Option('--read-data-subset <n/m>', 'read and authenticate part N of M of the packs (1/10), or a percentage (10%)').argParser(dataSubsetArg));
  addRepoFlags(cmd);
  addRepoOutputFlag(cmd);
  cmd.action(async (_opts, self) => {
    const read = readDataOptions(self);
    const result = await withRepo(ctx, self, { skipDamagedIndex: true }, (repo) =>
      withProgress(ctx.stderr, (line) => checkRepository(repo, { ...read, onProgress: (p) => line.update(checkProgress(p)) })),
    );
    if (jsonOutput(self)) printJson(ctx, result);
    else {
      for (const w of result.warnings) ctx.stderr.write(`warning: ${w}\n`);
      for (const e of result.errors) ctx.stdout.write(`error: ${e}\n`);
      ctx.stdout.write(checkSummary(result));
    }
    if (result.errors.length > 0) throw new ExitError(1);
  });
  return cmd;
}
