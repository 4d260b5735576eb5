/**
 * @module bench/child-env — how benchmark children are started, as bin/skiff starts Skiff. Imported by the
 * processes that start children (bench/lib.ts, bench/repo-save.ts), not by the children themselves.
 */
import { homedir } from 'node:os';
import { join } from 'node:path';

/**
 * A child's environment as bin/skiff sets it (keep the two in step): Node's compile cache where bin/skiff
 * keeps it (no TypeScript stripper loaded) and the same malloc settings; the caller's own values win. As in
 * bin/skiff's `${VAR:-…}`, an empty XDG_CACHE_HOME, HOME or malloc setting counts as unset; a set
 * NODE_COMPILE_CACHE wins even when empty (`${NODE_COMPILE_CACHE+set}`).
 */
export function childEnv(): NodeJS.ProcessEnv {
  const env = process.env;
  const cache = join(env.XDG_CACHE_HOME || join(env.HOME || homedir(), '.cache'), 'skiff', 'node-compile-cache');
  return {
    ...env,
    NODE_COMPILE_CACHE: env.NODE_COMPILE_CACHE ?? cache,
    MALLOC_ARENA_MAX: env.MALLOC_ARENA_MAX || '2',
    MALLOC_MMAP_THRESHOLD_: env.MALLOC_MMAP_THRESHOLD_ || '131072',
  };
}

/** bin/skiff's V8 flags: for the volume-data commands (`skiff repo`) a 2 MiB semi-space and a 25 % heap growth step, else an 8 MiB semi-space. */
export function v8Flags(volumeData: boolean): string[] {
  return volumeData ? ['--max-semi-space-size=2', '--heap-growing-percent=25'] : ['--max-semi-space-size=8'];
}
