/**
 * @module test/support/api-server: an empty control plane of a test's own — one more kube-apiserver on the test
 * cluster's etcd under a prefix of its own — with a client on it, ready once its `default` namespace exists.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KubeClient, Resources } from '../../src/kube/index.ts';
import { startExtraApiServer } from '../../src/local-cluster/index.ts';
import { testCluster, waitFor } from './cluster.ts';

export interface IsolatedApiServer {
  client: KubeClient;
  kubeconfig: string;
  /** Closes the client, stops the API server and removes its files; the caller decides when (after what runs against it). */
  stop(): Promise<void>;
}

/** `label` names its scratch directory and etcd prefix; `extraArgs` go to kube-apiserver (e.g. `--watch-cache=false`). */
export async function startIsolatedApiServer(label: string, extraArgs: string[] = []): Promise<IsolatedApiServer> {
  const { state } = await testCluster();
  const dir = await mkdtemp(join(tmpdir(), `skiff-${label}-apiserver-`));
  const server = await startExtraApiServer(state, { dir, etcdPrefix: `/skiff-${label}-${randomBytes(4).toString('hex')}`, owner: process.pid, extraArgs }).catch(async (err: unknown) => {
    await rm(dir, { recursive: true, force: true });
    throw err;
  });
  const client = await KubeClient.fromKubeConfig({ kubeconfig: { kubeconfig: server.kubeconfig, env: {} } });
  const stop = async (): Promise<void> => {
    await client.close();
    await server.stop();
    await rm(dir, { recursive: true, force: true });
  };
  try {
    await waitFor(async () => (await client.getIfExists(Resources.namespaces, 'default')) !== undefined, { what: `namespace default on the ${label} API server` });
  } catch (err) {
    await stop();
    throw err;
  }
  return { client, kubeconfig: server.kubeconfig, stop };
}
