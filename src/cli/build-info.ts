/** @module cli/build-info — client version (package.json) and git commit (read from .git without spawning git). */
import { readFileSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { isAbsolute, join, resolve } from 'node:path';
import { skiffVersion } from '../util/index.ts';

/** The checkout or installed package root: `src/cli/` is two levels below it. */
export const DEFAULT_REPO_DIR = fileURLToPath(new URL('../../', import.meta.url));

const SHA = /^[0-9a-f]{40}([0-9a-f]{24})?$/; // SHA-1 or SHA-256 object names

function readText(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

/** `v` + package.json's version, as Velero prints `v1.x.y` (the server reports the same: util/version.ts). */
export function clientVersion(repoDir: string = DEFAULT_REPO_DIR): string {
  return skiffVersion(repoDir);
}

/** Finds the git dir: `.git` is a directory, or (worktrees, submodules) a file `gitdir: <path>`. */
function findGitDir(repoDir: string): string | undefined {
  const dotGit = join(repoDir, '.git');
  try {
    if (statSync(dotGit).isDirectory()) return dotGit;
  } catch {
    return undefined;
  }
  const pointer = /^gitdir: (.+)$/m.exec(readText(dotGit) ?? '')?.[1]?.trim();
  if (pointer === undefined) return undefined;
  return isAbsolute(pointer) ? pointer : resolve(repoDir, pointer);
}

/** A worktree's refs live in the main repository, named by its `commondir` file. */
function commonDir(gitDir: string): string {
  const common = readText(join(gitDir, 'commondir'))?.trim();
  if (common === undefined || common === '') return gitDir;
  return isAbsolute(common) ? common : resolve(gitDir, common);
}

function lookupPackedRef(dir: string, ref: string): string | undefined {
  for (const line of (readText(join(dir, 'packed-refs')) ?? '').split('\n')) {
    if (line.startsWith('#') || line.startsWith('^')) continue;
    const [sha, name] = line.trim().split(' ');
    if (name === ref && sha !== undefined && SHA.test(sha)) return sha;
  }
  return undefined;
}

function resolveRef(gitDir: string, ref: string): string | undefined {
  // Refuse anything that could walk out of the git dir.
  if (!ref.startsWith('refs/') || ref.split('/').includes('..')) return undefined;
  for (const dir of new Set([gitDir, commonDir(gitDir)])) {
    const loose = readText(join(dir, ref))?.trim();
    if (loose !== undefined && SHA.test(loose)) return loose;
    const packed = lookupPackedRef(dir, ref);
    if (packed !== undefined) return packed;
  }
  return undefined;
}

/**
 * The commit checked out in `repoDir`, or `unknown` (not a checkout, e.g. an
 * npm install). Reads HEAD and its ref (loose or packed) directly: spawning
 * git on every `skiff version` would be slow and git may be absent. Whether
 * the tree is dirty needs a full index scan, so `-dirty` is never appended.
 */
export function gitCommit(repoDir: string = DEFAULT_REPO_DIR): string {
  const gitDir = findGitDir(repoDir);
  if (gitDir === undefined) return 'unknown';
  const head = readText(join(gitDir, 'HEAD'))?.trim() ?? '';
  if (SHA.test(head)) return head; // detached HEAD
  const ref = /^ref:\s*(\S+)$/.exec(head)?.[1];
  return (ref === undefined ? undefined : resolveRef(gitDir, ref)) ?? 'unknown';
}
