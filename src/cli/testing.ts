/** @module cli/testing — test helpers: a CliContext whose streams are captured in memory. */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CliContext, OutputStream } from './context.ts';
import type { BuildOptions } from './program.ts';
import { runCli } from './run-cli.ts';

export interface CapturedStream extends OutputStream {
  text: string;
}

export function captureStream(isTTY = false): CapturedStream {
  const stream: CapturedStream = {
    text: '',
    isTTY,
    write(chunk: string) {
      stream.text += chunk;
      return true;
    },
  };
  return stream;
}

export interface TestContext extends CliContext {
  stdout: CapturedStream;
  stderr: CapturedStream;
}

/**
 * A context with captured streams, an empty env and (unless given) a HOME
 * path that does not exist, so no real config file leaks into a test.
 */
export function testContext(overrides: Partial<Omit<CliContext, 'stdout' | 'stderr'>> & { tty?: boolean } = {}): TestContext {
  const { tty, ...rest } = overrides;
  const homeDir = rest.homeDir ?? join(tmpdir(), `skiff-absent-home-${randomUUID()}`);
  return { env: {}, cwd: homeDir, ...rest, homeDir, stdout: captureStream(tty ?? false), stderr: captureStream() };
}

export function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `skiff ...argv` in-process and returns exit code and captured output. */
export async function run(argv: readonly string[], ctx: TestContext = testContext(), options?: BuildOptions): Promise<RunResult> {
  const code = await runCli(argv, ctx, options);
  return { code, stdout: ctx.stdout.text, stderr: ctx.stderr.text };
}
