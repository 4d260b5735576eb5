/** @module cli/commands/repo/snapshots — `skiff repo snapshots`: the snapshots of a repository, as a table or JSON. */
import { Command, Option } from '@commander-js/extra-typings';
import type { CommandUnknownOpts } from '@commander-js/extra-typings';
import { filterSnapshots, type Snapshot, type SnapshotSource } from '../../../repo/index.ts';
import type { CliContext } from '../../context.ts';
import { formatCells } from '../../output/tabwriter.ts';
import { addRepoFlags, addRepoOutputFlag, jsonOutput, opts, printJson, shortId, withRepo } from './common.ts';
import { sourceFilterArg, tagArg } from './flags.ts';
import { formatBytes, formatCount } from './progress.ts';

/** A snapshot as `-o json` prints it: every field, `parent` null when there is none. */
export function snapshotJson(s: Snapshot): Record<string, unknown> {
  return {
    id: s.id,
    shortId: shortId(s.id),
    time: s.time,
    hostname: s.hostname,
    source: s.source,
    tags: s.tags,
    parent: s.parent ?? null,
    tree: s.tree,
    summary: s.summary,
    ...(s.errors ? { errors: s.errors } : {}),
  };
}

/** `ns/pod/volume` for a pod volume, else `host:/path`. */
export function sourceText(src: SnapshotSource): string {
  if (src.namespace !== undefined || src.pod !== undefined || src.volume !== undefined) return `${src.namespace ?? ''}/${src.pod ?? ''}/${src.volume ?? ''}`;
  return src.host ? `${src.host}:${src.path}` : src.path;
}

/** `2026-01-02 03:04:05` (UTC). */
export function snapshotTime(time: string): string {
  return time.replace('T', ' ').replace(/\.\d+/, '').replace(/Z$/, '');
}

/** The snapshots as a table; `reasons` (forget's keep list: why each is kept, by position) adds a REASONS column. */
export function snapshotTable(list: readonly Snapshot[], reasons?: ReadonlyArray<readonly string[]>): string {
  if (list.length === 0) return '';
  const rows = list.map((s, i) => [
    shortId(s.id),
    snapshotTime(s.time),
    sourceText(s.source),
    s.tags.join(',') || '<none>',
    formatCount(s.summary.files),
    formatBytes(s.summary.totalBytes),
    ...(reasons ? [(reasons[i] ?? []).join(', ')] : []),
  ]);
  const header = ['ID', 'TIME (UTC)', 'SOURCE', 'TAGS', 'FILES', 'SIZE', ...(reasons ? ['REASONS'] : [])];
  return formatCells([header, ...rows], { minWidth: 6, padding: 3 });
}

export function repoSnapshotsCommand(ctx: CliContext): CommandUnknownOpts {
  const cmd = new Command('snapshots')
    .description('List the snapshots of a repository, oldest first')
    .addOption(new Option('--source <source>', 'only snapshots of this source: NAMESPACE/POD/VOLUME or an absolute path').argParser(sourceFilterArg))
    .addOption(new Option('--host <host>', 'only snapshots of this host'))
    .addOption(new Option('--tag <tag>', 'only snapshots with this tag (repeatable, or comma-separated: all must match)').argParser(tagArg));
  addRepoFlags(cmd);
  addRepoOutputFlag(cmd);
  cmd.action(async (_opts, self) => {
    const o = opts(self);
    const source = { ...(o['source'] as Partial<SnapshotSource> | undefined), ...(typeof o['host'] === 'string' ? { host: o['host'] } : {}) };
    const list = await withRepo(ctx, self, {}, async (repo) => filterSnapshots(await repo.listSnapshots(), { source, tags: (o['tag'] as string[] | undefined) ?? [] }));
    if (jsonOutput(self)) printJson(ctx, list.map(snapshotJson));
    else if (list.length === 0) ctx.stderr.write('No snapshots found.\n');
    else ctx.stdout.write(snapshotTable(list));
  });
  return cmd;
}
