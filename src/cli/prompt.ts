/**
 * @module cli/prompt — keyboard input for questions (y/N confirmations, passwords), shared by every command.
 * A password reader serves several questions (a password and its confirmation), so typed-ahead lines are
 * not lost between them.
 */
import type { CliContext } from './context.ts';
import { ExitError } from './errors.ts';

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
function promptInput(ctx: CliContext): PromptInput | undefined {
  const given = (ctx as CliContext & { stdin?: PromptInput }).stdin;
  if (given !== undefined) return given;
  return ctx.stdout === process.stdout ? (process.stdin as unknown as PromptInput) : undefined;
}

/** A terminal input; `setRawMode` (a real TTY) turns echo off. */
export interface SecretInput extends PromptInput {
  setRawMode?(mode: boolean): unknown;
}

/**
 * The keyboard of a person at a terminal, or undefined: a script or a pipe must not be asked anything (it
 * would read end of input or hang), so commands then need a flag instead.
 */
export function terminalInput(ctx: CliContext): SecretInput | undefined {
  const input = promptInput(ctx) as SecretInput | undefined;
  return input?.isTTY === true ? input : undefined;
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

const ENTER = new Set(['\r', '\n']);
const ERASE = new Set(['\u007f', '\b']);
const CTRL_C = '\u0003';
const CTRL_D = '\u0004';

/** Asks questions on stderr and reads answers from `input`, one line each, echo off where the terminal allows. */
export class SecretReader {
  readonly #ctx: CliContext;
  readonly #input: SecretInput;
  readonly #raw: boolean;
  #line = '';
  #lastWasCr = false;
  #lines: string[] = [];
  #ended = false;
  #waiter: (() => void) | undefined;
  readonly #onData = (chunk: string | Buffer): void => this.#feed(chunk.toString());
  readonly #onEnd = (): void => {
    this.#ended = true;
    this.#wake();
  };

  constructor(ctx: CliContext, input: SecretInput) {
    this.#ctx = ctx;
    this.#input = input;
    this.#raw = typeof input.setRawMode === 'function';
    input.setEncoding?.('utf8');
    if (this.#raw) input.setRawMode?.(true);
    input.on('data', this.#onData);
    input.once('end', this.#onEnd);
    input.resume?.();
  }

  /** One answer; fails (exit 1) on end of input or Ctrl-C. */
  async ask(question: string): Promise<string> {
    this.#ctx.stderr.write(question);
    while (this.#lines.length === 0) {
      if (this.#ended) throw new ExitError(1, '\nError: no password was entered (end of input)');
      await new Promise<void>((resolve) => (this.#waiter = resolve));
    }
    // With echo off the user's Enter was not shown either.
    if (this.#raw) this.#ctx.stderr.write('\n');
    const line = this.#lines.shift()!;
    if (line === CTRL_C) throw new ExitError(1, 'Error: interrupted');
    return line;
  }

  close(): void {
    this.#input.removeListener('data', this.#onData);
    this.#input.removeListener('end', this.#onEnd);
    if (this.#raw) this.#input.setRawMode?.(false);
    this.#input.pause?.();
  }

  #feed(text: string): void {
    for (const ch of text) {
      if (ch === '\n' && this.#lastWasCr) {
        this.#lastWasCr = false;
        continue;
      }
      this.#lastWasCr = ch === '\r';
      if (ENTER.has(ch)) {
        this.#lines.push(this.#line);
        this.#line = '';
      } else if (ch === CTRL_C) {
        this.#lines.push(CTRL_C);
      } else if (ch === CTRL_D && this.#line === '') {
        this.#ended = true;
      } else if (ERASE.has(ch)) {
        this.#line = this.#line.slice(0, -1);
      } else {
        this.#line += ch;
      }
    }
    this.#wake();
  }

  #wake(): void {
    const w = this.#waiter;
    this.#waiter = undefined;
    w?.();
  }
}

/** Runs `fn` with a reader on `input`, always restoring the terminal. */
export async function withSecretReader<T>(ctx: CliContext, input: SecretInput, fn: (reader: SecretReader) => Promise<T>): Promise<T> {
  const reader = new SecretReader(ctx, input);
  try {
    return await fn(reader);
  } finally {
    reader.close();
  }
}

/** A new password, typed twice; refuses an empty one or two that differ. */
export async function askNewPassword(reader: SecretReader, what: string): Promise<string> {
  const first = await reader.ask(`Enter ${what}: `);
  if (first.trim() === '') throw new ExitError(1, `Error: the ${what} is empty; there is no default password`);
  const second = await reader.ask(`Enter ${what} again: `);
  if (second !== first) throw new ExitError(1, 'Error: the passwords do not match');
  return first;
}
