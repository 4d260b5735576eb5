/** @module cli/commands/backup/download — `skiff backup download NAME`: the raw backup tarball, streamed to a file. */
import { createWriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { resolve } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Command, Option } from '@commander-js/extra-typings';
import type { CommandUnknownOpts } from '@commander-js/extra-typings';
import { VeleroResources } from '../../../api/index.ts';
import type { CliContext } from '../../context.ts';
import { DEFAULT_DOWNLOAD_TIMEOUT_MS, openDownload } from '../../download.ts';
import { durationArg } from '../../flags.ts';
import { apiError, withClient } from './common.ts';
import { addTlsFlags, readTlsFlags } from './describe.ts';
import { optBool, optNumber, optString } from './flag-values.ts';

/** Opens the destination; without --force an existing file is never touched. */
async function openDestination(path: string, force: boolean): Promise<NodeJS.WritableStream & { close(): void }> {
  const out = createWriteStream(path, { flags: force ? 'w' : 'wx', mode: 0o600 });
  await new Promise<void>((ok, fail) => {
    out.once('open', () => ok());
    out.once('error', (err: NodeJS.ErrnoException) =>
      fail(err.code === 'EEXIST' ? new Error(`file ${path} already exists; use --force to overwrite it`) : err),
    );
  });
  return out;
}

export function backupDownloadCommand(ctx: CliContext): CommandUnknownOpts {
  const cmd = new Command('download')
    .summary('Download all Kubernetes manifests for a backup')
    .description('Download all Kubernetes manifests for a backup. Contents of persistent volume snapshots are not included.')
    .argument('<name>', 'the backup to download')
    .addOption(new Option('-o, --output <file>', 'Path to output file. Defaults to <NAME>-data.tar.gz in the current directory.'))
    .addOption(new Option('--force', 'Forces the download and will overwrite file if it exists already.'))
    .addOption(
      new Option('--timeout <duration>', 'Maximum time to wait to process download request.').argParser(durationArg).default(DEFAULT_DOWNLOAD_TIMEOUT_MS, '1m0s'),
    );
  addTlsFlags(cmd);
  cmd.action(async (name, _opts, self) => {
    const o = self.opts() as Record<string, unknown>;
    const path = resolve(ctx.cwd, optString(o, 'output') ?? `${name}-data.tar.gz`);
    await withClient(self, ctx, async (client, globals) => {
      try {
        await client.get(VeleroResources.backups, name, { namespace: globals.namespace });
      } catch (err) {
        throw apiError(err);
      }
      const out = await openDestination(path, optBool(o, 'force') === true);
      try {
        const tarball = await openDownload({
          client,
          namespace: globals.namespace,
          kind: 'BackupContents',
          name,
          timeoutMs: optNumber(o, 'timeout') ?? DEFAULT_DOWNLOAD_TIMEOUT_MS,
          ...readTlsFlags(self, globals.cacert),
        });
        await pipeline(tarball, out);
      } catch (err) {
        out.close();
        await rm(path, { force: true });
        throw err;
      }
    });
    ctx.stdout.write(`Backup ${name} has been successfully downloaded to ${path}\n`);
  });
  return cmd;
}
