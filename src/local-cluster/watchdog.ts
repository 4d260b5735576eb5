/** @module local-cluster/watchdog: stops a test cluster when the process that owns it dies, however it dies. */
import { spawn } from 'node:child_process';
import { join } from 'node:path';

/**
 * A tiny detached shell loop: while the owner lives, sleep; then SIGTERM every recorded process
 * group, SIGKILL the stragglers, and delete the directory. A test runner killed with SIGKILL cannot
 * run its teardown, but this still leaves no process behind.
 */
const SCRIPT = `
owner="$1"; dir="$2"
while kill -0 "$owner" 2>/dev/null; do sleep 1; done
[ -f "$dir/pids" ] || exit 0
for p in $(cat "$dir/pids"); do kill -TERM -"$p" 2>/dev/null || kill -TERM "$p" 2>/dev/null; done
sleep 8
for p in $(cat "$dir/pids" 2>/dev/null); do kill -KILL -"$p" 2>/dev/null || kill -KILL "$p" 2>/dev/null; done
rm -rf "$dir"
`;

export async function startWatchdog(dir: string, owner: number): Promise<number> {
  const child = spawn('/bin/sh', ['-c', SCRIPT, 'skiff-cluster-watchdog', String(owner), dir], {
    detached: true,
    stdio: 'ignore',
    cwd: join(dir, '..'),
  });
  child.unref();
  if (child.pid === undefined) throw new Error('could not start the cluster watchdog');
  return child.pid;
}
