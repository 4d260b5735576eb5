/** @module cli/context — the process-level inputs every command receives instead of touching `process`. */

/** The part of a writable stream the CLI uses; a test passes a string collector. */
export interface OutputStream {
  write(chunk: string): unknown;
  /** True when the stream is a terminal: colour and help wrapping depend on it. */
  isTTY?: boolean;
  /** Terminal width, used to wrap help text. */
  columns?: number;
}

/**
 * Everything a command may read from its surroundings. Only `main.ts` builds
 * this from `process`; tests build it by hand, so commands run in-process.
 */
export interface CliContext {
  env: Readonly<Record<string, string | undefined>>;
  stdout: OutputStream;
  stderr: OutputStream;
  /** Base of `~/.config/skiff` and `~/.config/velero`. */
  homeDir: string;
  cwd: string;
  /**
   * Root of the Skiff checkout or installed package (holds package.json and
   * maybe .git). Defaults to the directory two levels above `src/cli/`.
   */
  repoDir?: string;
}
