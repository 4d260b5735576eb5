/** @module cli/commands/backup/describe — `skiff backup describe [NAMES...]` (also `skiff describe backups`). */
import { Command, InvalidArgumentError, Option } from '@commander-js/extra-typings';
import type { CommandUnknownOpts } from '@commander-js/extra-typings';
import type { KubeClient } from '../../../kube/index.ts';
import type { CliContext } from '../../context.ts';
import type { GlobalOptions } from '../../globals.ts';
import { UsageError } from '../../errors.ts';
import { durationArg } from '../../flags.ts';
import { commandPath } from '../../registry.ts';
import { withClient } from './common.ts';
import { DESCRIBE_DOWNLOAD_TIMEOUT_MS, gatherDescribeInput, SidecarFetcher, type DescribeFetchOptions } from './describe-fetch.ts';
import { renderBackupJson } from './describe-json.ts';
import { renderBackupDescription } from './describe-render.ts';
import { optBool, optNumber, optString, selectorStringArg } from './flag-values.ts';
import { fetchBackups } from './get.ts';

/** `--insecure-skip-tls-verify` and `--cacert`, for commands that download from the object store. */
export function addTlsFlags(cmd: CommandUnknownOpts): void {
  cmd.addOption(
    new Option(
      '--insecure-skip-tls-verify',
      "If true, the object store's TLS certificate will not be checked for validity. This is insecure and susceptible to man-in-the-middle attacks. Not recommended for production.",
    ),
  );
  cmd.addOption(new Option('--cacert <file>', 'Path to a certificate bundle to use when verifying TLS connections (default: the client config "cacert").'));
}

/** The TLS flags, with the client config's `cacert` as the default for `--cacert`, as velero does. */
export function readTlsFlags(self: CommandUnknownOpts, configCacert: string | undefined): { insecureSkipTlsVerify?: boolean; caCertFile?: string } {
  const o = self.opts() as Record<string, unknown>;
  const caCertFile = optString(o, 'cacert') ?? configCacert;
  return { ...(optBool(o, 'insecureSkipTlsVerify') === true ? { insecureSkipTlsVerify: true } : {}), ...(caCertFile ? { caCertFile } : {}) };
}

function describeFormat(value: string): 'plaintext' | 'json' {
  if (value === 'plaintext' || value === 'json') return value;
  throw new InvalidArgumentError("valid formats are 'plaintext', 'json'");
}

/** A `describe [NAMES...]` command for `noun`: the selector, `--details`, the per-file timeout and the TLS flags. */
export function describeCommandBase(noun: 'backup' | 'restore') {
  const cmd = new Command('describe')
    .description(`Describe ${noun}s`)
    .argument('[names...]', `${noun}s to describe (default: all)`)
    .addOption(new Option('-l, --selector <selector>', 'Only show items matching this label selector.').argParser(selectorStringArg))
    .addOption(new Option('--details', 'Display additional detail in the command output.'))
    .addOption(
      new Option('--timeout <duration>', `How long to wait for the server to answer each request for a ${noun} file.`)
        .argParser(durationArg)
        .default(DESCRIBE_DOWNLOAD_TIMEOUT_MS, '30s'),
    );
  addTlsFlags(cmd);
  return cmd;
}

/** What the gatherers need, from the describe flags and the global ones. */
export function describeFetchOptions(self: CommandUnknownOpts, ctx: CliContext, client: KubeClient, globals: GlobalOptions): DescribeFetchOptions {
  const o = self.opts() as Record<string, unknown>;
  return {
    client,
    namespace: globals.namespace,
    details: optBool(o, 'details') === true,
    colorized: globals.colorized,
    timeoutMs: optNumber(o, 'timeout') ?? DESCRIBE_DOWNLOAD_TIMEOUT_MS,
    stderr: ctx.stderr,
    ...readTlsFlags(self, globals.cacert),
  };
}

export function backupDescribeCommand(ctx: CliContext): CommandUnknownOpts {
  const cmd = describeCommandBase('backup');
  cmd.addOption(new Option('-o, --output <format>', "Output display format. Valid formats are 'plaintext', 'json'.").argParser(describeFormat).default('plaintext' as const));
  cmd.action(async (_names, _opts, self) => {
    const o = self.opts() as Record<string, unknown>;
    const json = optString(o, 'output') === 'json';
    await withClient(self, ctx, async (client, globals) => {
      const backups = await fetchBackups(client, globals.namespace, self.args, optString(o, 'selector'));
      if (json && backups.length > 1) {
        throw new UsageError('-o json describes one backup at a time: name a single backup', commandPath(self));
      }
      const opts = describeFetchOptions(self, ctx, client, globals);
      const files = new SidecarFetcher(opts);
      for (const [i, b] of backups.entries()) {
        const input = await gatherDescribeInput(opts, files, b);
        // Velero separates backups with two blank lines.
        ctx.stdout.write(`${i > 0 ? '\n\n' : ''}${json ? renderBackupJson(input) : renderBackupDescription(input)}`);
      }
    });
  });
  return cmd;
}
