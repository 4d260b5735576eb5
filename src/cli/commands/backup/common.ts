/** @module cli/commands/backup/common — what the backup and backup-location commands share: the client, API messages, output. */
import type { CommandUnknownOpts } from '@commander-js/extra-typings';
import { KubeApiError, type KubeClient, type KubeObject } from '../../../kube/index.ts';
import type { CliContext } from '../../context.ts';
import { resolveGlobals, type GlobalOptions } from '../../globals.ts';
import { kubeClientFor } from '../../kube-client.ts';
import type { OutputOptions } from '../../output/format.ts';
import { printObjects, type Column } from '../../output/print.ts';

/** Runs `fn` with a client for the command's global flags; always closes it. */
export async function withClient<T>(self: CommandUnknownOpts, ctx: CliContext, fn: (client: KubeClient, globals: GlobalOptions) => Promise<T>): Promise<T> {
  const globals = resolveGlobals(self, ctx);
  const client = await kubeClientFor(globals, ctx);
  try {
    return await fn(client, globals);
  } finally {
    await client.close();
  }
}

/**
 * The API server's own wording (`backups.velero.io "x" not found`), which is what velero and kubectl print,
 * without our client's request suffix; other errors keep their message.
 */
export function apiMessage(err: unknown): string {
  if (err instanceof KubeApiError && err.status.message) return err.status.message;
  return err instanceof Error ? err.message : String(err);
}

/** An error whose message is the API server's wording; `cause` keeps the full error for SKIFF_DEBUG. */
export function apiError(err: unknown): Error {
  return new Error(apiMessage(err), { cause: err });
}

/** Several failures as one, the way Kubernetes' aggregate error prints them. */
export function aggregateError(errors: readonly unknown[]): Error | undefined {
  if (errors.length === 0) return undefined;
  if (errors.length === 1) return apiError(errors[0]);
  return new Error(`[${errors.map(apiMessage).join(', ')}]`);
}

/** `\x1b[..m` colouring, only when the global settings allow it (a TTY and `--colorized`). */
export function colour(enabled: boolean, code: 'bold' | 'red' | 'green' | 'yellow', text: string): string {
  if (!enabled) return text;
  const sgr = { bold: '1', red: '31', green: '32', yellow: '33' }[code];
  return `\x1b[${sgr}m${text}\x1b[0m`;
}


/** Velero objects of one kind, printed the way `-o` asks (a table with the kind's columns by default). */
export function printVeleroObjects<T extends KubeObject>(ctx: CliContext, items: readonly T[], output: OutputOptions, kind: string, columns: Column<T>[]): void {
  printObjects(items, {
    format: output.format ?? 'table',
    kind,
    apiVersion: 'velero.io/v1',
    columns,
    stdout: ctx.stdout,
    labelColumns: output.labelColumns,
    showLabels: output.showLabels,
  });
}
