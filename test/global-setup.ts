/** @module test/global-setup: one local control plane + MinIO for the whole `npm test` run, always stopped. */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startCluster, stopCluster, type ClusterState } from '../src/local-cluster/index.ts';
import { RUNNER_ENV, STATE_ENV } from './support/cluster.ts';

let state: ClusterState | undefined;

export async function globalSetup(): Promise<void> {
  if (process.env[STATE_ENV]) return; // an outer runner already provides one
  const dir = await mkdtemp(join(tmpdir(), 'skiff-test-'));
  const log = (line: string): void => void process.stderr.write(`[cluster] ${line}\n`);
  // The watchdog (owner = this runner) stops everything even if the runner is killed outright.
  state = await startCluster({ env: process.env, dir, name: 'test', owner: process.pid, log });
  process.env[STATE_ENV] = join(dir, 'state.json');
  process.env[RUNNER_ENV] = String(process.pid);
  const stop = (): void => {
    if (state) void stopCluster(state).finally(() => process.exit(130));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

export async function globalTeardown(): Promise<void> {
  if (!state) return;
  await stopCluster(state);
  state = undefined;
}
