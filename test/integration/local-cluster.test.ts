/** The local control plane stops cleanly: on stopCluster, and through its watchdog when its owner dies. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { access, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { clusterStatus, envExports, isAlive, startCluster, stopCluster, type ClusterState } from '../../src/local-cluster/index.ts';
import { testCluster, waitFor } from '../support/cluster.ts';

function pidsOf(state: ClusterState): number[] {
  return Object.values(state.components).map((c) => c.pid);
}

test('the shared test cluster reports every component healthy, and env prints the exports', async () => {
  const { state } = await testCluster();
  const status = await clusterStatus(state);
  assert.deepEqual(status.filter((s) => !s.healthy).map((s) => s.name), []);
  const env = envExports(state).join('\n');
  assert.match(env, /^export KUBECONFIG='.+kubeconfig'$/m);
  assert.match(env, /^export SKIFF_S3_ENDPOINT='http:\/\/127\.0\.0\.1:\d+'$/m);
  assert.match(env, /^export AWS_SECRET_ACCESS_KEY='.+'$/m);
});

test('a cluster whose owner dies is stopped by its watchdog, leaving no process and no directory', async () => {
  // A stand-in owner that also ends if this test process dies, so nothing can outlive the test run.
  const owner = spawn('/bin/sh', ['-c', `while kill -0 ${process.pid} 2>/dev/null; do sleep 1; done`], { stdio: 'ignore' });
  const dir = await mkdtemp(join(tmpdir(), 'skiff-owned-'));
  const state = await startCluster({ env: process.env, dir, name: 'owned', owner: owner.pid!, nodes: 1 });
  const pids = pidsOf(state);
  assert.equal(pids.length, 6);
  assert.ok(pids.every(isAlive));
  owner.kill('SIGKILL');
  await waitFor(async () => pids.every((p) => !isAlive(p)), { what: 'every component to exit', timeoutMs: 30_000, intervalMs: 250 });
  await waitFor(async () => access(dir).then(() => false, () => true), { what: 'the cluster directory to be removed', timeoutMs: 10_000 });
});

test('stopCluster stops every process and removes the state directory', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'skiff-stop-'));
  const state = await startCluster({ env: process.env, dir, name: 'stop', owner: process.pid, nodes: 0 });
  const pids = [...pidsOf(state), state.watchdogPid!];
  await stopCluster(state);
  assert.deepEqual(pids.filter(isAlive), []);
  await assert.rejects(access(dir));
});
