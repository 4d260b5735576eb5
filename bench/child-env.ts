/** @module bench/child-env — how benchmark children are started (a light module: children import it too). */
import { homedir } from 'node:os';
import { join } from 'node:path';

/**
 * A child's environment as bin/skiff sets it (keep the two in step): Node's compile cache where bin/skiff
 * keeps it (no TypeScript stripper loaded) and the same malloc settings; the caller's own values win.
 */
export function childEnv(): NodeJS.ProcessEnv {
  const cache = join(process.env.XDG_CACHE_HOME ?? join(process.env.HOME ?? homedir(), '.cache'), 'skiff', 'node-compile-cache');
  return { NODE_COMPILE_CACHE: cache, MALLOC_ARENA_MAX: '2', MALLOC_MMAP_THRESHOLD_: '131072', ...process.env };
}

/** bin/skiff's semi-space flag: 2 MiB for the volume-data commands (`skiff repo`), 8 MiB for the rest. */
export function semiSpaceFlag(volumeData: boolean): string {
  return `--max-semi-space-size=${volumeData ? 2 : 8}`;
}
