/**
 * @module cli/commands/repo/forget — `skiff repo forget`: removes snapshots by id or by retention rules
 * (`--keep-last/hourly/daily/weekly/monthly/yearly/within/tag`), then with `--prune` frees their data.
 */
import { Command, Option } from '@commander-js/extra-typings';
import type { CommandUnknownOpts } from '@commander-js/extra-typings';
import { forgetSnapshots, maintainRepository, type MaintainResult } from '../../../repo/index.ts';
import type { CliContext } from '../../context.ts';
import { UsageError } from '../../errors.ts';
import { commandPath } from '../../registry.ts';
import { addRepoFlags, addRepoOutputFlag, jsonOutput, opts, printJson, withRepo } from './common.ts';
import { addRetentionFlags, retentionPolicy } from './retention.ts';
import { maintainSummary, maintainProgress } from './maintain.ts';
import { withProgress } from './progress.ts';
import { snapshotJson, snapshotTable } from './snapshots.ts';

export function repoForgetCommand(ctx: CliContext): CommandUnknownOpts {
  const cmd = new Command('forget')
    .description('Remove snapshots: the ones named, or every one the --keep-* rules do not keep (per source). Their data stays until --prune or "repo maintain" frees it.')
    .argument('[ids...]', 'snapshot ids or unique prefixes to remove');
  addRetentionFlags(cmd);
  cmd.addOption(new Option('--prune', 'then run maintenance: free the space of what is no longer referenced'));
  cmd.addOption(new Option('--dry-run', 'only show what would be removed'));
  addRepoFlags(cmd);
  addRepoOutputFlag(cmd);
  cmd.action(async (ids: string[], _opts, self) => {
    const o = opts(self);
    const policy = retentionPolicy(o);
    if (ids.length > 0 && policy) throw new UsageError('give either snapshot ids or --keep-* rules, not both', commandPath(self));
    if (ids.length === 0 && !policy) throw new UsageError('nothing to forget: give snapshot ids or at least one --keep-* flag (--keep-last, --keep-daily, …)', commandPath(self));
    const dryRun = o['dryRun'] === true;
    const json = jsonOutput(self);
    await withRepo(ctx, self, {}, async (repo) => {
      const { keep, remove } = await forgetSnapshots(repo, policy ?? {}, { dryRun, ...(ids.length > 0 ? { ids } : {}) });
      if (!json) {
        if (keep.length > 0) ctx.stdout.write(`keep ${keep.length} snapshot${keep.length === 1 ? '' : 's'}:\n${snapshotTable(keep.map((k) => k.snapshot), keep.map((k) => k.reasons))}\n`);
        ctx.stdout.write(remove.length > 0 ? `${dryRun ? 'would remove' : 'removed'} ${remove.length} snapshot${remove.length === 1 ? '' : 's'}:\n${snapshotTable(remove)}` : 'no snapshot to remove\n');
      }
      let prune: MaintainResult | undefined;
      if (o['prune'] === true) {
        prune = await withProgress(ctx.stderr, (line) => maintainRepository(repo, { dryRun, onProgress: (p) => line.update(maintainProgress(p)) }));
        if (!json) ctx.stdout.write(maintainSummary(prune, dryRun));
      }
      if (json) {
        printJson(ctx, {
          dryRun,
          keep: keep.map((k) => ({ ...snapshotJson(k.snapshot), reasons: k.reasons })),
          remove: remove.map(snapshotJson),
          ...(prune !== undefined ? { prune } : {}),
        });
      }
    });
  });
  return cmd as unknown as CommandUnknownOpts;
}
