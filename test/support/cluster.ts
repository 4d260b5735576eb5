/** @module test/support/cluster: the shared test control plane, a client on it, and fresh namespaces per test. */
import { after } from 'node:test';
import { mkdtemp, readFile } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { S3Client } from '@aws-sdk/client-s3';
import { KubeClient, Resources, isNotFound, type KubeObject } from '../../src/kube/index.ts';
import { isAlive, minioClient, startCluster, stopCluster, type ClusterState } from '../../src/local-cluster/index.ts';

/** Set by the global setup: the path of the running test cluster's state.json. */
export const STATE_ENV = 'SKIFF_TEST_CLUSTER';
/** Set by the global setup: the test runner's pid, which owns the shared cluster. */
export const RUNNER_ENV = 'SKIFF_TEST_RUNNER_PID';

// A test file runs in a child of the runner. If the runner is killed outright, its watchdog stops the
// shared cluster; this file's process must not carry on as an orphan holding extra servers of its own.
const runner = Number(process.env[RUNNER_ENV]);
if (runner > 0 && runner !== process.pid) {
  setInterval(() => {
    if (!isAlive(runner)) process.exit(70);
  }, 1000).unref();
}

export interface TestCluster {
  state: ClusterState;
  kubeconfig: string;
  client: KubeClient;
  s3: S3Client;
  bucket: string;
  /** Creates a namespace for this test (deleted when the test ends) and waits for its default ServiceAccount. */
  namespace(t: { after(fn: () => unknown): void }, prefix?: string): Promise<string>;
}

let shared: Promise<TestCluster> | undefined;
/** Cleanups of what open() created; run once this file's tests are done. */
const cleanups: Array<() => Promise<unknown>> = [];

// Registered at import time so it belongs to the file's root, not to whichever test first asks for the cluster.
after(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn();
});

/**
 * The cluster of this test run. Under `npm test` the global setup started it; a test file run on its
 * own (`node --test file`) starts a private one and stops it when the file's tests end.
 */
export function testCluster(): Promise<TestCluster> {
  shared ??= open();
  return shared;
}

async function open(): Promise<TestCluster> {
  const file = process.env[STATE_ENV];
  let state: ClusterState;
  if (file) {
    state = JSON.parse(await readFile(file, 'utf8')) as ClusterState;
  } else {
    const dir = await mkdtemp(join(tmpdir(), 'skiff-test-'));
    state = await startCluster({ env: process.env, dir, name: 'test-file', owner: process.pid, log: (l) => void process.stderr.write(`[cluster] ${l}\n`) });
    cleanups.push(() => stopCluster(state));
  }
  const client = await KubeClient.fromKubeConfig({ kubeconfig: { kubeconfig: state.kubeconfig, env: {} } });
  const s3 = minioClient(state.s3);
  cleanups.push(async () => {
    await client.close();
    s3.destroy();
  });
  return {
    state,
    kubeconfig: state.kubeconfig,
    client,
    s3,
    bucket: state.s3.bucket,
    namespace: (t, prefix = 'test') => freshNamespace(client, t, prefix),
  };
}

async function freshNamespace(client: KubeClient, t: { after(fn: () => unknown): void }, prefix: string): Promise<string> {
  const name = `${prefix}-${randomBytes(4).toString('hex')}`;
  await client.create(Resources.namespaces, { apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels: { 'skiff.test/ns': 'true' } } });
  t.after(async () => {
    // Deletion is asynchronous (the controller-manager finalizes it); tests do not wait for it.
    await client.delete(Resources.namespaces, name).catch((err: unknown) => {
      if (!isNotFound(err)) throw err;
    });
  });
  await waitFor(async () => (await client.getIfExists(Resources.serviceAccounts, 'default', { namespace: name })) !== undefined, {
    what: `the default ServiceAccount of namespace ${name}`,
  });
  return name;
}

/** Polls `check` until it returns true, or fails naming `what` after the timeout. */
export async function waitFor(check: () => Promise<boolean>, opts: { what: string; timeoutMs?: number; intervalMs?: number }): Promise<void> {
  const deadline = Date.now() + (opts.timeoutMs ?? 60_000);
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${opts.what}`);
    await new Promise((r) => setTimeout(r, opts.intervalMs ?? 100));
  }
}

export type { KubeObject };
