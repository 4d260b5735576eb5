/** @module cli/commands/backup/logs — `skiff backup logs BACKUP` (and `restore logs`): the log from object storage, gunzipped to stdout. */
import { StringDecoder } from 'node:string_decoder';
import { Command, Option } from '@commander-js/extra-typings';
import type { CommandUnknownOpts } from '@commander-js/extra-typings';
import { VeleroResources, type DownloadTargetKind } from '../../../api/index.ts';
import { isNotFound, type ResourceRef } from '../../../kube/index.ts';
import type { CliContext } from '../../context.ts';
import { openDownload, DEFAULT_DOWNLOAD_TIMEOUT_MS } from '../../download.ts';
import { ExitError } from '../../errors.ts';
import { durationArg } from '../../flags.ts';
import { apiMessage, withClient } from './common.ts';
import { writeChunk } from '../../output/write.ts';
import { addTlsFlags, readTlsFlags } from './describe.ts';
import { optNumber } from './flag-values.ts';
import type { PhasedObject } from './wait.ts';

/** The phases in which velero lets you read a backup's or a restore's log: it is uploaded by then. */
export const LOG_PHASES: ReadonlySet<string> = new Set([
  'Completed',
  'PartiallyFailed',
  'Failed',
  'WaitingForPluginOperations',
  'WaitingForPluginOperationsPartiallyFailed',
]);

/** Whose log a `logs` command prints. */
export interface LogsSpec {
  noun: 'backup' | 'restore';
  resource: ResourceRef;
  kind: DownloadTargetKind;
}

/** Fails the way velero does when the object is missing or its log is not uploaded yet. */
async function checkLogReady(spec: LogsSpec, get: () => Promise<PhasedObject>, name: string): Promise<void> {
  const Noun = `${spec.noun.charAt(0).toUpperCase()}${spec.noun.slice(1)}`;
  let obj: PhasedObject;
  try {
    obj = await get();
  } catch (err) {
    throw new ExitError(1, isNotFound(err) ? `${Noun} "${name}" does not exist.` : `Error checking for ${spec.noun} "${name}": ${apiMessage(err)}`);
  }
  if (!LOG_PHASES.has(obj.status?.phase ?? '')) {
    throw new ExitError(
      1,
      `Logs for ${spec.noun} "${name}" are not available until it's finished processing. Please wait until the ${spec.noun} has a phase of Completed or Failed and try again.`,
    );
  }
}

/** A `logs NAME` command for backups or restores. */
export function logsCommandFor(ctx: CliContext, spec: LogsSpec): CommandUnknownOpts {
  const cmd = new Command('logs')
    .description(`Get ${spec.noun} logs`)
    .argument(`<${spec.noun}>`, `the ${spec.noun} whose log to print`)
    .addOption(new Option('--timeout <duration>', 'How long to wait to receive logs.').argParser(durationArg).default(DEFAULT_DOWNLOAD_TIMEOUT_MS, '1m0s'));
  addTlsFlags(cmd);
  cmd.action(async (name, _opts, self) => {
    await withClient(self, ctx, async (client, globals) => {
      await checkLogReady(spec, () => client.get<PhasedObject>(spec.resource, name, { namespace: globals.namespace }), name);
      const log = await openDownload({
        client,
        namespace: globals.namespace,
        kind: spec.kind,
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

export function backupLogsCommand(ctx: CliContext): CommandUnknownOpts {
  return logsCommandFor(ctx, { noun: 'backup', resource: VeleroResources.backups, kind: 'BackupLog' });
}
