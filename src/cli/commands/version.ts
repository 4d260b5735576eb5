/** @module cli/commands/version — `skiff version`: client version and git commit, then the server's. */
import { Command, Option } from '@commander-js/extra-typings';
import type { CommandUnknownOpts } from '@commander-js/extra-typings';
import { newServerStatusRequest, VeleroResources, type ServerStatusRequest } from '../../api/index.ts';
import { Informer, type KubeClient } from '../../kube/index.ts';
import { majorMinor } from '../../util/index.ts';
import { clientVersion, DEFAULT_REPO_DIR, gitCommit } from '../build-info.ts';
import type { CliContext } from '../context.ts';
import { durationArg } from '../flags.ts';
import type { GlobalOptions } from '../globals.ts';
import { resolveGlobals } from '../globals.ts';
import { kubeClientFor } from '../kube-client.ts';
import { apiError } from './backup/common.ts';

/**
 * Asks the server how it is: creates a ServerStatusRequest (`velero-cli-…`) in the server namespace, waits
 * up to `timeoutMs` for the server to mark it Processed, and deletes it (the server would after a minute).
 */
export async function requestServerStatus(client: KubeClient, namespace: string, timeoutMs: number): Promise<ServerStatusRequest> {
  const ref = VeleroResources.serverStatusRequests;
  const created = await client.create<ServerStatusRequest>(ref, newServerStatusRequest('', namespace, { generateName: 'velero-cli-' })).catch((err: unknown) => {
    throw apiError(err);
  });
  const name = created.metadata.name!;
  // A watch on the one request: the answer arrives as soon as the server writes it, without polling.
  const informer = new Informer<ServerStatusRequest>({ client, resource: ref, namespace, fieldSelector: `metadata.name=${name}` });
  let timer: NodeJS.Timeout | undefined;
  try {
    return await new Promise<ServerStatusRequest>((resolve, reject) => {
      const seen = (r: ServerStatusRequest): void => {
        if (r.status?.phase === 'Processed') resolve(r);
      };
      informer.on({ onAdd: seen, onUpdate: (_p, r) => seen(r), onDelete: () => reject(new Error(`server status request ${name} was deleted before it was processed`)) });
      timer = setTimeout(() => reject(new Error('timed out waiting for server status request to be processed')), timeoutMs);
      informer.start();
    });
  } finally {
    clearTimeout(timer);
    await informer.stop();
    await client.delete(ref, name, { namespace }).catch(() => undefined);
  }
}

/** The server's version, from a ServerStatusRequest. */
export async function getServerVersion(ctx: CliContext, globals: GlobalOptions, timeoutMs: number): Promise<string> {
  const client = await kubeClientFor(globals, ctx);
  try {
    return (await requestServerStatus(client, globals.namespace, timeoutMs)).status?.serverVersion ?? '';
  } finally {
    await client.close();
  }
}

/** Velero's warning when client and server differ in major.minor: update whichever is older. */
export function mismatchWarning(client: string, server: string): string {
  const c = majorMinor(client);
  const s = majorMinor(server);
  if (!c || !s || (c[0] === s[0] && c[1] === s[1])) return '';
  const clientNewer = c[0] > s[0] || (c[0] === s[0] && c[1] > s[1]);
  return `# WARNING: the client version does not match the server version. Please update ${clientNewer ? 'server' : 'client'}\n`;
}

/** Velero's layout: tab-indented client lines; on failure the server part is a single `<error ...>` line. */
export async function versionText(ctx: CliContext, clientOnly: boolean, serverVersion: () => Promise<string>): Promise<string> {
  const client = clientVersion();
  let text = 'Client:\n';
  text += `\tVersion: ${client}\n`;
  text += `\tGit commit: ${gitCommit(ctx.repoDir ?? DEFAULT_REPO_DIR)}\n`;
  if (clientOnly) return text;
  try {
    const server = await serverVersion();
    return `${text}Server:\n\tVersion: ${server}\n${mismatchWarning(client, server)}`;
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
