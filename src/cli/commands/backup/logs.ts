/** @module cli/commands/backup/logs — `skiff backup logs BACKUP`: the backup's log from object storage, gunzipped to stdout. */
import { StringDecoder } from 'node:string_decoder';
import { Command, Option } from '@commander-js/extra-typings';
import type { CommandUnknownOpts } from '@commander-js/extra-typings';
import { VeleroResources, type Backup } from '../../../api/index.ts';
import { isNotFound } from '../../../kube/index.ts';
import type { CliContext } from '../../context.ts';
import { openDownload, DEFAULT_DOWNLOAD_TIMEOUT_MS } from '../../download.ts';
import { ExitError } from '../../errors.ts';
import { durationArg } from '../../flags.ts';
import { apiMessage, withClient, writeChunk } from './common.ts';
import { addTlsFlags, readTlsFlags } from './describe.ts';
import { optNumber } from './flag-values.ts';

/** The phases in which velero lets you read a backup's log: it is uploaded by then. */
export const LOG_PHASES: ReadonlySet<string> = new Set([
  'Completed',
  'PartiallyFailed',
  'Failed',
  'WaitingForPluginOperations',
  'WaitingForPluginOperationsPartiallyFailed',
]);

export function backupLogsCommand(ctx: CliContext): CommandUnknownOpts {
  const cmd = new Command('logs')
    .description('Get backup logs')
    .argument('<backup>', 'the backup whose log to print')
    .addOption(new Option('--timeout <duration>', 'How long to wait to receive logs.').argParser(durationArg).default(DEFAULT_DOWNLOAD_TIMEOUT_MS, '1m0s'));
  addTlsFlags(cmd);
  cmd.action(async (name, _opts, self) => {
    await withClient(self, ctx, async (client, globals) => {
      let backup: Backup;
      try {
        backup = await client.get<Backup>(VeleroResources.backups, name, { namespace: globals.namespace });
      } catch (err) {
        throw new ExitError(1, isNotFound(err) ? `Backup "${name}" does not exist.` : `Error checking for backup "${name}": ${apiMessage(err)}`);
      }
      if (!LOG_PHASES.has(backup.status?.phase ?? '')) {
        throw new ExitError(
          1,
          `Logs for backup "${name}" are not available until it's finished processing. Please wait until the backup has a phase of Completed or Failed and try again.`,
        );
      }
      const log = await openDownload({
        client,
        namespace: globals.namespace,
        kind: 'BackupLog',
        name,
        timeoutMs: optNumber(self.opts() as Record<string, unknown>, 'timeout') ?? DEFAULT_DOWNLOAD_TIMEOUT_MS,
        ...readTlsFlags(self, globals.cacert),
      });
      // Streamed: a long log never sits in memory whole.
      const decoder = new StringDecoder('utf8');
      for await (const chunk of log) await writeChunk(ctx.stdout, decoder.write(chunk as Buffer));
      const rest = decoder.end();
      if (rest !== '') ctx.stdout.write(rest);
    });
  });
  return cmd;
}
