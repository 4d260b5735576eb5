/**
 * @module cli/commands/repo/common — what every `skiff repo` command shares: `--repo` and the password
 * flags, the password (flag file, environment or terminal prompt; never a default), opening the repository
 * with the local index cache, and `-o table|json`.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Option } from '@commander-js/extra-typings';
import type { CommandUnknownOpts } from '@commander-js/extra-typings';
import { Repository, describeLocation, isRepoError, openRepoLocation, parseRepoLocation, type RepositoryOptions } from '../../../repo/index.ts';
import type { ObjectStore } from '../../../storage/index.ts';
import type { CliContext } from '../../context.ts';
import { UsageError } from '../../errors.ts';
import { addOutputFlags, readOutputOptions } from '../../output/format.ts';
import { askNewPassword, terminalInput, withSecretReader } from '../../prompt.ts';
import { commandPath } from '../../registry.ts';

/** The environment variable that holds the repository password. */
export const PASSWORD_ENV = 'SKIFF_REPO_PASSWORD';

/** `--repo` (required) and `--password-file`, on every repo command. */
export function addRepoFlags(cmd: CommandUnknownOpts): void {
  cmd.addOption(new Option('--repo <url>', 'the repository: file:///abs/dir or s3://bucket/prefix?endpoint=URL&region=R&forcePathStyle=true').makeOptionMandatory());
  cmd.addOption(new Option('--password-file <file>', `read the repository password from this file (first line); else $${PASSWORD_ENV}, else a prompt at a terminal`));
}

/** `-o table|json` (the shared flag without yaml or label columns). */
export function addRepoOutputFlag(cmd: CommandUnknownOpts): void {
  addOutputFlags(cmd, { default: 'table', allowed: ['table', 'json'], labelFlags: false, help: "output format: 'table' or 'json'" });
}

/** Whether `-o json` was given. */
export function jsonOutput(self: CommandUnknownOpts): boolean {
  return readOutputOptions(self).format === 'json';
}

export function opts(self: CommandUnknownOpts): Record<string, unknown> {
  return self.opts() as Record<string, unknown>;
}

/** Where the local index cache lives: `$SKIFF_CACHE_DIR/repo`, else `$XDG_CACHE_HOME/skiff/repo`, else `~/.cache/skiff/repo`. */
export function repoCacheDir(ctx: CliContext): string {
  if (ctx.env['SKIFF_CACHE_DIR']) return join(ctx.env['SKIFF_CACHE_DIR'], 'repo');
  if (ctx.env['XDG_CACHE_HOME']) return join(ctx.env['XDG_CACHE_HOME'], 'skiff', 'repo');
  return join(ctx.homeDir, '.cache', 'skiff', 'repo');
}

/** A password file's first line (a trailing newline is not part of the password); empty is refused. */
export function readPasswordFile(file: string, flag: string, self: CommandUnknownOpts): string {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new UsageError(`${flag} ${JSON.stringify(file)}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message}`, commandPath(self));
  }
  const password = text.split(/\r?\n/, 1)[0] ?? '';
  if (password.trim() === '') throw new UsageError(`${flag} ${JSON.stringify(file)}: the file's first line is empty; there is no default password`, commandPath(self));
  return password;
}

/** The password given by `--password-file` or the environment, if any (the flag wins). */
export function givenPassword(ctx: CliContext, self: CommandUnknownOpts): string | undefined {
  const file = opts(self)['passwordFile'];
  if (typeof file === 'string') return readPasswordFile(file, '--password-file', self);
  const env = ctx.env[PASSWORD_ENV];
  if (env === undefined) return undefined;
  if (env.trim() === '') throw new UsageError(`$${PASSWORD_ENV} is set but empty; there is no default password`, commandPath(self));
  return env;
}

function noPassword(self: CommandUnknownOpts): UsageError {
  return new UsageError(`no repository password: give --password-file or set $${PASSWORD_ENV} (there is no terminal to ask on, and no default)`, commandPath(self));
}

/** The password of an existing repository: given, or asked once at a terminal. */
export async function repoPassword(ctx: CliContext, self: CommandUnknownOpts): Promise<string> {
  const given = givenPassword(ctx, self);
  if (given !== undefined) return given;
  const input = terminalInput(ctx);
  if (!input) throw noPassword(self);
  const answer = await withSecretReader(ctx, input, (r) => r.ask('Enter the repository password: '));
  if (answer.trim() === '') throw new UsageError('the repository password is empty; there is no default password', commandPath(self));
  return answer;
}

/** The password of a new repository: given, or typed twice at a terminal. */
export async function newRepoPassword(ctx: CliContext, self: CommandUnknownOpts): Promise<string> {
  const given = givenPassword(ctx, self);
  if (given !== undefined) return given;
  const input = terminalInput(ctx);
  if (!input) throw noPassword(self);
  return withSecretReader(ctx, input, (r) => askNewPassword(r, 'the new repository password'));
}

/** The `--repo` URL, checked before anything is opened (a bad one is a usage error naming the flag). */
export function repoUrl(self: CommandUnknownOpts): string {
  const url = String(opts(self)['repo'] ?? '');
  try {
    parseRepoLocation(url);
  } catch (err) {
    if (isRepoError(err, 'InvalidArgument')) throw new UsageError(err.message, commandPath(self));
    throw err;
  }
  return url;
}

/** Opens the store of `url` (from repoUrl); the caller closes it. */
export function openStore(ctx: CliContext, url: string, create = false): Promise<{ store: ObjectStore; prefix: string }> {
  return openRepoLocation(url, { env: ctx.env, create });
}

export type OpenOptions = Pick<RepositoryOptions, 'lock' | 'skipDamagedIndex' | 'signal'>;

/**
 * Opens the repository of `--repo` with its password and the local index cache, runs `fn`, and closes the
 * repository (uploading what was saved, releasing the lock) and the store whatever happens.
 */
export async function withRepo<T>(ctx: CliContext, self: CommandUnknownOpts, open: OpenOptions, fn: (repo: Repository, url: string) => Promise<T>): Promise<T> {
  const url = repoUrl(self);
  const password = await repoPassword(ctx, self);
  const { store, prefix } = await openStore(ctx, url);
  try {
    const repo = await Repository.open(store, prefix, password, { ...open, cacheDir: repoCacheDir(ctx) }).catch((err: unknown) => {
      throw namedByUrl(err, store, prefix, url);
    });
    let result: T;
    try {
      result = await fn(repo, url);
    } catch (err) {
      // What was saved is still uploaded (the next run reuses it); a failure to do so must not hide `err`.
      await repo.close().catch(() => undefined);
      throw err;
    }
    await repo.close();
    return result;
  } finally {
    await store.close();
  }
}

/**
 * The repository's errors name it as the store sees it (`local bucket "repo"`); the user typed a URL, so
 * the message names that instead.
 */
export function namedByUrl(err: unknown, store: ObjectStore, prefix: string, url: string): unknown {
  if (!isRepoError(err)) return err;
  return new Error(err.message.replaceAll(describeLocation(store, prefix), url), { cause: err });
}

/** `1a2b3c4d`: how tables show ids (any unique prefix of 4+ characters is accepted back). */
export function shortId(id: string | undefined): string {
  return (id ?? '').slice(0, 8);
}

/** Writes `value` as indented JSON and a newline. */
export function printJson(ctx: CliContext, value: unknown): void {
  ctx.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}
