/** @module cli/commands/backup/wait — `backup/restore create --wait`: submit the object, follow it until it ends, showing progress. */
import type { Backup } from '../../../api/index.ts';
import { Informer, type KubeClient, type KubeObject, type ResourceRef } from '../../../kube/index.ts';
import type { CliContext, OutputStream } from '../../context.ts';
import { DescribeWriter } from '../../output/describe.ts';
import { apiError } from './common.ts';

/** The phases after which nothing more happens to a backup or a restore (velero's --wait list for both). */
export const FINAL_PHASES: ReadonlySet<string> = new Set(['FailedValidation', 'Completed', 'PartiallyFailed', 'Failed']);

/** A Backup or a Restore: what --wait reads. */
export interface PhasedObject extends KubeObject {
  status?: { phase?: string; validationErrors?: string[] | null } | null;
}

/** The command word of the object followed: `backup` or `restore`. */
export type FollowedNoun = 'backup' | 'restore';

export interface WaitOptions {
  client: KubeClient;
  namespace: string;
  name: string;
  out: OutputStream;
  /** The `describe/logs` hint's command prefix, e.g. `skiff`. */
  program?: string;
  /** Dot/refresh interval; 1s as velero. */
  tickMs?: number;
  signal?: AbortSignal;
}

/** What a wait on one kind needs beyond WaitOptions: where it lives and how its progress reads. */
export interface FollowSpec<T extends PhasedObject> {
  resource: ResourceRef;
  progress: (obj: T | undefined, elapsedMs: number) => string;
}

/** One line of live progress for a terminal: phase and items, rewritten in place. */
export function progressLine(b: Backup | undefined, elapsedMs: number): string {
  const phase = b?.status?.phase || 'New';
  const p = b?.status?.progress;
  const items = p && (p.totalItems !== undefined || p.itemsBackedUp !== undefined) ? `, items backed up: ${p.itemsBackedUp ?? 0}/${p.totalItems ?? 0}` : '';
  const queue = phase === 'Queued' && b?.status?.queuePosition ? `, queue position ${b.status.queuePosition}` : '';
  return `${phase}${queue}${items} (${Math.floor(elapsedMs / 1000)}s)`;
}

const title = (noun: FollowedNoun): string => `${noun.charAt(0).toUpperCase()}${noun.slice(1)}`;

/** The closing message; for FailedValidation it also says why, since that is all there is to know. */
export function completionMessage(obj: PhasedObject, program = 'skiff', noun: FollowedNoun = 'backup'): string {
  const name = obj.metadata.name ?? '';
  let text = `${title(noun)} completed with status: ${obj.status?.phase ?? ''}. You may check for more information using the commands \`${program} ${noun} describe ${name}\` and \`${program} ${noun} logs ${name}\`.\n`;
  const errors = obj.status?.validationErrors ?? [];
  if (obj.status?.phase === 'FailedValidation' && errors.length > 0) {
    const d = new DescribeWriter().line('Validation errors', errors[0] ?? '');
    for (const e of errors.slice(1)) d.text(e, 1);
    text += d.render();
  }
  return text;
}

/**
 * Waits with an informer on the one object (it re-lists and reconnects on its own, so an API server restart
 * or an expired watch does not end the wait). Prints a dot a second, or on a terminal a progress line
 * rewritten in place. Resolves with the object in its final phase, or undefined when it was deleted meanwhile.
 */
export async function waitForFinalPhase<T extends PhasedObject>(opts: WaitOptions, spec: FollowSpec<T>): Promise<T | undefined> {
  const tty = opts.out.isTTY === true;
  const started = Date.now();
  let latest: T | undefined;
  const informer = new Informer<T>({ client: opts.client, resource: spec.resource, namespace: opts.namespace, fieldSelector: `metadata.name=${opts.name}` });
  const draw = (): void => void opts.out.write(tty ? `\r\x1b[K${spec.progress(latest, Date.now() - started)}` : '.');
  const timer = setInterval(draw, opts.tickMs ?? 1000);
  let onAbort: (() => void) | undefined;
  try {
    return await new Promise<T | undefined>((resolve, reject) => {
      const seen = (obj: T): void => {
        latest = obj;
        if (tty) draw();
        if (FINAL_PHASES.has(obj.status?.phase ?? '')) resolve(obj);
      };
      informer.on({ onAdd: seen, onUpdate: (_prev, obj) => seen(obj), onDelete: () => resolve(undefined) });
      onAbort = (): void => reject(opts.signal?.reason ?? new Error('aborted'));
      opts.signal?.addEventListener('abort', onAbort, { once: true });
      informer.start();
    });
  } finally {
    clearInterval(timer);
    if (onAbort) opts.signal?.removeEventListener('abort', onAbort);
    await informer.stop();
    opts.out.write('\n');
  }
}

/** What `submitAndFollow` creates and how to follow it. */
export interface SubmitSpec<T extends PhasedObject> extends FollowSpec<T> {
  noun: FollowedNoun;
  object: T;
  wait: boolean;
}

/**
 * Creates the object and says so in velero's words; with `wait`, follows it to a final phase. The exit code
 * stays 0 whatever that phase is, as velero's: the outcome is in the message.
 */
export async function submitAndFollow<T extends PhasedObject>(ctx: CliContext, client: KubeClient, namespace: string, spec: SubmitSpec<T>): Promise<void> {
  const { noun } = spec;
  const name = spec.object.metadata.name ?? '';
  try {
    await client.create(spec.resource, spec.object);
  } catch (err) {
    throw apiError(err);
  }
  ctx.stdout.write(`${title(noun)} request "${name}" submitted successfully.\n`);
  if (!spec.wait) {
    ctx.stdout.write(`Run \`skiff ${noun} describe ${name}\` or \`skiff ${noun} logs ${name}\` for more details.\n`);
    return;
  }
  ctx.stdout.write(`Waiting for ${noun} to complete. You may safely press ctrl-c to stop waiting - your ${noun} will continue in the background.\n`);
  const done = await waitForFinalPhase<T>({ client, namespace, name, out: ctx.stdout }, spec);
  ctx.stdout.write(done ? completionMessage(done, 'skiff', noun) : `${title(noun)} "${name}" was deleted before it completed.\n`);
}
