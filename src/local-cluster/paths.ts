/** @module local-cluster/paths: where binaries and cluster state live (always outside the repository). */
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';

export type Env = Record<string, string | undefined>;

/** Skiff's cache root: SKIFF_CACHE_DIR, else $XDG_CACHE_HOME/skiff, else ~/.cache/skiff. */
export function cacheRoot(env: Env): string {
  if (env.SKIFF_CACHE_DIR) return env.SKIFF_CACHE_DIR;
  if (env.XDG_CACHE_HOME) return join(env.XDG_CACHE_HOME, 'skiff');
  const home = env.HOME || homedir() || tmpdir();
  return join(home, '.cache', 'skiff');
}

/** The directory of the state of a named, long-lived cluster (`npm run cluster -- up`). */
export function namedClusterDir(env: Env, name: string): string {
  return join(cacheRoot(env), 'clusters', name);
}
