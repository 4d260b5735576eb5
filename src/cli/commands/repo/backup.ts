/**
 * @module cli/commands/repo/backup — `skiff repo backup DIR`: a snapshot of a directory tree. Only the new
 * snapshot's id goes to stdout (scripts capture it); progress and the summary go to stderr.
 */
import { statSync } from 'node:fs';
import { hostname as osHostname } from 'node:os';
import { resolve } from 'node:path';
import { Command, Option } from '@commander-js/extra-typings';
import type { CommandUnknownOpts } from '@commander-js/extra-typings';
import { backupDirectory, findParentSnapshot, findSnapshot, type Repository, type Snapshot, type SnapshotSource } from '../../../repo/index.ts';
import type { CliContext } from '../../context.ts';
import { ExitError, UsageError } from '../../errors.ts';
import { commandPath } from '../../registry.ts';
import { addRepoFlags, addRepoOutputFlag, jsonOutput, opts, printJson, shortId, withRepo } from './common.ts';
import { tagArg, volumeSourceArg } from './flags.ts';
import { formatBytes, formatCount, formatRate, formatSeconds, transferText, withProgress } from './progress.ts';
import { snapshotJson, sourceText } from './snapshots.ts';

export interface BackupRequest {
  dir: string;
  source: SnapshotSource;
  tags: string[];
  /** `--parent ID`; `null` for `--force` (read everything); undefined: the latest snapshot of the source. */
  parent: string | null | undefined;
}

/** Reads and checks the flags: `--source` xor `--host`, `--parent` xor `--force`, DIR a directory. */
export function backupRequest(ctx: CliContext, self: CommandUnknownOpts, dir: string): BackupRequest {
  const o = opts(self);
  const fail = (msg: string): never => {
    throw new UsageError(msg, commandPath(self));
  };
  if (o['source'] !== undefined && o['host'] !== undefined) fail('--source and --host cannot be used together: a pod volume is named by --source alone');
  if (o['parent'] !== undefined && o['force'] === true) fail('--parent and --force cannot be used together: --force backs up without a parent');
  const abs = resolve(ctx.cwd, dir);
  let isDir = false;
  try {
    isDir = statSync(abs).isDirectory();
  } catch {
    fail(`DIR ${JSON.stringify(dir)}: no such directory`);
  }
  if (!isDir) fail(`DIR ${JSON.stringify(dir)} is not a directory`);
  const volume = o['source'] as ReturnType<typeof volumeSourceArg> | undefined;
  const host = typeof o['host'] === 'string' ? o['host'] : osHostname();
  return {
    dir: abs,
    source: { host, path: abs, ...volume },
    tags: (o['tag'] as string[] | undefined) ?? [],
    parent: o['force'] === true ? null : typeof o['parent'] === 'string' ? o['parent'] : undefined,
  };
}

async function parentOf(repo: Repository, req: BackupRequest): Promise<Snapshot | null> {
  if (req.parent === null) return null;
  if (req.parent !== undefined) return findSnapshot(repo, req.parent);
  return (await findParentSnapshot(repo, req.source)) ?? null;
}

/** `snapshot 1a2b3c4d of ns/pod/vol saved: …`, for stderr. */
export function backupSummary(s: Snapshot): string {
  const m = s.summary;
  const rate = `${formatRate(m.totalBytes, m.durationMs)}, ${m.durationMs > 0 ? formatCount(Math.round((m.files * 1000) / m.durationMs)) : '-'} files/s`;
  return (
    `snapshot ${shortId(s.id)} of ${sourceText(s.source)} saved: ${formatCount(m.files)} files, ${formatCount(m.dirs)} dirs, ${formatBytes(m.totalBytes)} ` +
    `in ${formatSeconds(m.durationMs)} (${rate}); read ${formatBytes(m.bytesRead)}, new ${formatBytes(m.newBytesRaw)} in ${formatCount(m.newBlobs)} blobs, ` +
    `stored ${formatBytes(m.newBytesStored)}${s.parent ? ` (parent ${shortId(s.parent)})` : ''}\n`
  );
}

export function repoBackupCommand(ctx: CliContext): CommandUnknownOpts {
  const cmd = new Command('backup')
    .description('Back up a directory into a snapshot and print its id. Files unchanged since the parent snapshot (by default the latest of the same source) are not read again.')
    .argument('<dir>', 'the directory to back up')
    .addOption(new Option('--source <ns/pod/volume>', 'record the snapshot as this pod volume').argParser(volumeSourceArg))
    .addOption(new Option('--host <host>', 'record the snapshot as taken on this host (default: this machine)'))
    .addOption(new Option('--tag <tag>', 'add a tag (repeatable, or comma-separated)').argParser(tagArg))
    .addOption(new Option('--parent <id>', 'compare with this snapshot instead of the latest of the same source'))
    .addOption(new Option('--force', 'read every file: no parent snapshot'));
  addRepoFlags(cmd);
  addRepoOutputFlag(cmd);
  cmd.action(async (dir: string, _opts, self) => {
    const req = backupRequest(ctx, self, dir);
    const snapshot = await withRepo(ctx, self, { lock: 'shared' }, async (repo) => {
      // Packs a crashed or killed run uploaded without writing their index are indexed from their headers
      // (one listing of data/, one header read each), so this run reuses what that one already stored.
      await repo.rebuildIndex();
      const parent = await parentOf(repo, req);
      return withProgress(ctx.stderr, (line) =>
        backupDirectory(repo, req.dir, {
          source: req.source,
          hostname: req.source.host,
          tags: req.tags,
          parent,
          // A lock that could not be kept fresh stops the backup before its snapshot is written.
          ...(repo.heldLock ? { signal: repo.heldLock.signal } : {}),
          // bytesDone grows per finished file (reused ones included), bytesRead within a large file too.
          onProgress: (p) => line.update(transferText({ bytes: Math.max(p.bytesDone, p.bytesRead), files: p.files, elapsedMs: p.elapsedMs, totalBytes: parent?.summary.totalBytes })),
        }),
      );
    });
    if (jsonOutput(self)) printJson(ctx, snapshotJson(snapshot));
    else {
      ctx.stdout.write(`${snapshot.id}\n`);
      ctx.stderr.write(backupSummary(snapshot));
    }
    const errors = snapshot.errors ?? [];
    if (errors.length > 0) {
      for (const e of errors) ctx.stderr.write(`error: ${e.path}: ${e.error}\n`);
      throw new ExitError(1, `Error: ${errors.length} ${errors.length === 1 ? 'entry' : 'entries'} could not be read; snapshot ${shortId(snapshot.id)} was saved without ${errors.length === 1 ? 'it' : 'them'}`);
    }
  });
  return cmd as unknown as CommandUnknownOpts;
}
