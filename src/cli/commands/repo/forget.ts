/**
 * @module cli/commands/repo/forget — `skiff repo forget`: removes snapshots by id or by retention rules
 * (`--keep-last/hourly/daily/weekly/monthly/yearly/within/tag`), then with `--prune` frees their data.
 */
import { Command, Option } from '@commander-js/extra-typings';
import type { CommandUnknownOpts } from '@commander-js/extra-typings';
import { forgetSnapshots, maintainRepository, type MaintainResult, type Snapshot } from '../../../repo/index.ts';
import type { CliContext } from '../../context.ts';
import { UsageError } from '../../errors.ts';
import { formatCells } from '../../output/tabwriter.ts';
import { commandPath } from '../../registry.ts';
import { addRepoFlags, addRepoOutputFlag, opts, outputOf, printJson, shortId, withRepo } from './common.ts';
import { addRetentionFlags, retentionPolicy } from './retention.ts';
import { maintainSummary, maintainProgress } from './maintain.ts';
import { ProgressLine } from './progress.ts';
import { snapshotJson, snapshotTime, sourceText } from './snapshots.ts';

function rows(list: ReadonlyArray<{ snapshot: Snapshot; reasons?: string[] }>, withReasons: boolean): string {
  const header = ['ID', 'TIME (UTC)', 'SOURCE', 'TAGS', ...(withReasons ? ['REASONS'] : [])];
  const lines = list.map(({ snapshot: s, reasons }) => [shortId(s.id), snapshotTime(s.time), sourceText(s.source), s.tags.join(',') || '<none>', ...(withReasons ? [(reasons ?? []).join(', ')] : [])]);
  return formatCells([header, ...lines], { minWidth: 6, padding: 3 });
}

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
    const json = outputOf(self) === 'json';
    await withRepo(ctx, self, {}, async (repo) => {
      const result = await forgetSnapshots(repo, policy ?? {}, { dryRun, ...(ids.length > 0 ? { ids } : {}) });
      const removed = result.remove.map((snapshot) => ({ snapshot }));
      if (!json) {
        if (result.keep.length > 0) ctx.stdout.write(`keep ${result.keep.length} snapshot${result.keep.length === 1 ? '' : 's'}:\n${rows(result.keep, true)}\n`);
        ctx.stdout.write(removed.length > 0 ? `${dryRun ? 'would remove' : 'removed'} ${removed.length} snapshot${removed.length === 1 ? '' : 's'}:\n${rows(removed, false)}` : 'no snapshot to remove\n');
      }
      let prune: MaintainResult | undefined;
      if (o['prune'] === true) {
        const line = new ProgressLine(ctx.stderr);
        try {
          prune = await maintainRepository(repo, { dryRun, onProgress: (p) => line.update(maintainProgress(p)) });
        } finally {
          line.clear();
        }
        if (!json) ctx.stdout.write(maintainSummary(prune, dryRun));
      }
      if (json) {
        printJson(ctx, {
          dryRun,
          keep: result.keep.map((k) => ({ ...snapshotJson(k.snapshot), reasons: k.reasons })),
          remove: result.remove.map(snapshotJson),
          ...(prune !== undefined ? { prune } : {}),
        });
      }
    });
  });
  return cmd as unknown as CommandUnknownOpts;
}
