/** @module cli/errors — error types that `runCli` maps to exit codes and messages. */

/**
 * A mistake in how the command was invoked (bad flag value, missing argument).
 * Printed cobra-style: `Error: <message>` plus a `--help` hint.
 */
export class UsageError extends Error {
  /** Space-separated command path for the hint, e.g. `skiff backup get`. */
  readonly commandPath: string | undefined;

  constructor(message: string, commandPath?: string) {
    super(message);
    this.name = 'UsageError';
    this.commandPath = commandPath;
  }
}

/**
 * Ends the command with a chosen exit code. A command throws this after it has
 * already reported the problem itself (so `message` may be empty and is then
 * not printed), e.g. a `--wait` that saw the backup fail.
 */
export class ExitError extends Error {
  readonly exitCode: number;

  constructor(exitCode: number, message = '') {
    super(message);
    this.name = 'ExitError';
    this.exitCode = exitCode;
  }
}
