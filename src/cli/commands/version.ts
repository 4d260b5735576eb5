/** @module cli/commands/version — `skiff version`: client version and git commit, then the server's. */
import { Command, Option } from '@commander-js/extra-typings';
import type { CommandUnknownOpts } from '@commander-js/extra-typings';
import { clientVersion, DEFAULT_REPO_DIR, gitCommit } from '../build-info.ts';
import type { CliContext } from '../context.ts';
import { durationArg } from '../flags.ts';
import type { GlobalOptions } from '../globals.ts';
import { resolveGlobals } from '../globals.ts';

/**
 * Asks the server for its version. The ServerStatusRequest round trip comes in
 * a later change; this is the one function it replaces.
 */
export async function getServerVersion(_ctx: CliContext, _globals: GlobalOptions, _timeoutMs: number): Promise<string> {
  throw new Error('not available yet; use --client-only');
}

/** Velero's layout: tab-indented client lines; on failure the server part is a single `<error ...>` line. */
export async function versionText(ctx: CliContext, clientOnly: boolean, serverVersion: () => Promise<string>): Promise<string> {
  let text = 'Client:\n';
  text += `\tVersion: ${clientVersion()}\n`;
  text += `\tGit commit: ${gitCommit(ctx.repoDir ?? DEFAULT_REPO_DIR)}\n`;
  if (clientOnly) return text;
  try {
    const server = await serverVersion();
    return `${text}Server:\n\tVersion: ${server}\n`;
  } catch (err) {
    return `${text}<error getting server version: ${(err as Error).message}>\n`;
  }
}

export function versionCommand(ctx: CliContext): CommandUnknownOpts {
  const cmd = new Command('version')
    .description('Print the skiff version and associated image')
    .addOption(
      new Option('--timeout <duration>', 'maximum time to wait for server version to be reported')
        .argParser(durationArg)
        .default(5000, '5s'),
    )
    .option('--client-only', 'only get skiff client version, not server version')
    .action(async (opts, self) => {
      const clientOnly = opts.clientOnly === true;
      const text = await versionText(ctx, clientOnly, () =>
        getServerVersion(ctx, resolveGlobals(self, ctx), opts.timeout),
      );
      ctx.stdout.write(text);
    });
  return cmd;
}
