/** @module cli/commands/backup/wait — `backup create --wait`: follow the Backup until it ends, showing progress. */
import { VeleroResources, type Backup } from '../../../api/index.ts';
import { Informer, type KubeClient } from '../../../kube/index.ts';
import type { OutputStream } from '../../context.ts';
import { DescribeWriter } from '../../output/describe.ts';

/** The phases after which nothing more happens to a backup (velero's --wait list). */
export const FINAL_BACKUP_PHASES: ReadonlySet<string> = new Set(['FailedValidation', 'Completed', 'PartiallyFailed', 'Failed']);

export interface WaitOptions {
  client: KubeClient;
  namespace: string;
  name: string;
  out: OutputStream;
  /** The `backup describe/logs` hint's command prefix, e.g. `skiff`. */
  program?: string;
  /** Dot/refresh interval; 1s as velero. */
  tickMs?: number;
  signal?: AbortSignal;
}

/** One line of live progress for a terminal: phase and items, rewritten in place. */
export function progressLine(b: Backup | undefined, elapsedMs: number): string {
  const phase = b?.status?.phase || 'New';
  const p = b?.status?.progress;
  const items = p && (p.totalItems !== undefined || p.itemsBackedUp !== undefined) ? `, items backed up: ${p.itemsBackedUp ?? 0}/${p.totalItems ?? 0}` : '';
  const queue = phase === 'Queued' && b?.status?.queuePosition ? `, queue position ${b.status.queuePosition}` : '';
  return `${phase}${queue}${items} (${Math.floor(elapsedMs / 1000)}s)`;
}

/** The closing message; for FailedValidation it also says why, since that is all there is to know. */
export function completionMessage(b: Backup, program = 'skiff'): string {
  const name = b.metadata.name ?? '';
  let text = `Backup completed with status: ${b.status?.phase ?? ''}. You may check for more information using the commands \`${program} backup describe ${name}\` and \`${program} backup logs ${name}\`.\n`;
  const errors = b.status?.validationErrors ?? [];
  if (b.status?.phase === 'FailedValidation' && errors.length > 0) {
    const d = new DescribeWriter().line('Validation errors', errors[0] ?? '');
    for (const e of errors.slice(1)) d.text(e, 1);
    text += d.render();
  }
  return text;
}

/**
 * Waits with an informer on the one Backup (it re-lists and reconnects on its own, so an API server restart
 * or an expired watch does not end the wait). Prints a dot a second, or on a terminal a progress line
 * rewritten in place. Resolves with the final Backup, or undefined when it was deleted meanwhile.
 */
export async function waitForBackup(opts: WaitOptions): Promise<Backup | undefined> {
  const tty = opts.out.isTTY === true;
  const started = Date.now();
  let latest: Backup | undefined;
  const informer = new Informer<Backup>({
    client: opts.client,
    resource: VeleroResources.backups,
    namespace: opts.namespace,
    fieldSelector: `metadata.name=${opts.name}`,
  });
  const draw = (): void => void opts.out.write(tty ? `\r\x1b[K${progressLine(latest, Date.now() - started)}` : '.');
  const timer = setInterval(draw, opts.tickMs ?? 1000);
  let onAbort: (() => void) | undefined;
  try {
    return await new Promise<Backup | undefined>((resolve, reject) => {
      const seen = (b: Backup): void => {
        latest = b;
        if (tty) draw();
        if (FINAL_BACKUP_PHASES.has(b.status?.phase ?? '')) resolve(b);
      };
      informer.on({ onAdd: seen, onUpdate: (_prev, b) => seen(b), onDelete: () => resolve(undefined) });
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
