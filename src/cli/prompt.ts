/** @module cli/prompt — keyboard input for questions (y/N confirmations, passwords), shared by every command. */
import type { CliContext } from './context.ts';

/** Keyboard input for the prompt. CliContext has no stdin yet; main.ts passes none, so see promptInput(). */
export interface PromptInput {
  isTTY?: boolean;
  setEncoding?(encoding: BufferEncoding): unknown;
  on(event: 'data', fn: (chunk: string | Buffer) => void): unknown;
  once(event: 'end' | 'close', fn: () => void): unknown;
  removeListener(event: string, fn: (...args: never[]) => void): unknown;
  pause?(): unknown;
  resume?(): unknown;
}

/**
 * The prompt's input: the context's `stdin` when it has one; otherwise, only when the command writes to the
 * real terminal (run by main.ts), the process's stdin. Tests pass `stdin` in the context.
 */
export function promptInput(ctx: CliContext): PromptInput | undefined {
  const given = (ctx as CliContext & { stdin?: PromptInput }).stdin;
  if (given !== undefined) return given;
  return ctx.stdout === process.stdout ? (process.stdin as unknown as PromptInput) : undefined;
}

/** Reads lines until one is y or n (either case); end of input counts as no. */
export function ask(ctx: CliContext, input: PromptInput): Promise<boolean> {
  const question = 'Are you sure you want to continue (Y/N)? ';
  ctx.stdout.write(question);
  input.setEncoding?.('utf8');
  return new Promise((resolve) => {
    let buffered = '';
    const finish = (answer: boolean): void => {
      input.removeListener('data', onData);
      input.removeListener('end', onEnd);
      input.pause?.();
      resolve(answer);
    };
    const onEnd = (): void => {
      ctx.stdout.write('\n');
      finish(false);
    };
    const onData = (chunk: string | Buffer): void => {
      buffered += chunk.toString();
      for (let nl = buffered.indexOf('\n'); nl >= 0; nl = buffered.indexOf('\n')) {
        const line = buffered.slice(0, nl).trim().toLowerCase();
        buffered = buffered.slice(nl + 1);
        if (line === 'y') return finish(true);
        if (line === 'n') return finish(false);
        ctx.stdout.write(question);
      }
    };
    input.on('data', onData);
    input.once('end', onEnd);
    input.resume?.();
  });
}
