/** @module local-cluster/lock: a cross-process lock as a directory, stolen when its holder has died. */
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { isAlive } from './process.ts';
import { ClusterError } from './errors.ts';

/**
 * Runs `fn` while holding the lock. Two test runs that both find an empty cache must not build
 * into the same place; the second waits for the first and then reuses its result.
 */
export async function withDirLock<T>(lockDir: string, log: (line: string) => void, fn: () => Promise<T>, timeoutMs = 45 * 60_000): Promise<T> {
  await mkdir(dirname(lockDir), { recursive: true });
  const deadline = Date.now() + timeoutMs;
  let announced = false;
  for (;;) {
    try {
      await mkdir(lockDir);
      await writeFile(join(lockDir, 'pid'), String(process.pid));
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const holder = Number(await readFile(join(lockDir, 'pid'), 'utf8').catch(() => '0'));
      if (!holder || !isAlive(holder)) {
        await rm(lockDir, { recursive: true, force: true }); // its holder died mid-build
        continue;
      }
      if (Date.now() > deadline) throw new ClusterError('Locked', `gave up waiting for ${lockDir} (held by pid ${holder})`);
      if (!announced) log(`Waiting for another build of the control plane (pid ${holder}) to finish …`);
      announced = true;
      await new Promise((r) => setTimeout(r, 2000));
    }
  }
  try {
    return await fn();
  } finally {
    await rm(lockDir, { recursive: true, force: true });
  }
}
