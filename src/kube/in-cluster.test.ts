/** @module kube/in-cluster.test — service-account configuration from a temp root, directly and as the kubeconfig fallback. */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { KubeConfigError } from './credentials.ts';
import { inClusterPossible, loadInClusterConfig } from './in-cluster.ts';
import { loadKubeConfig } from './kubeconfig.ts';

const CA_PEM = '-----BEGIN CERTIFICATE-----\nIN-CLUSTER\n-----END CERTIFICATE-----\n';
const TOKEN = 'sa-token-not-for-logs-73a';
const env = { KUBERNETES_SERVICE_HOST: '10.96.0.1', KUBERNETES_SERVICE_PORT: '443' };
let dir: string;

before(async () => { dir = await mkdtemp(path.join(os.tmpdir(), 'skiff-incluster-')); });
after(async () => { await rm(dir, { recursive: true, force: true }); });

/** A service-account directory with the given files. */
async function saRoot(name: string, files: Record<string, string>): Promise<string> {
  const root = path.join(dir, name);
  await mkdir(root, { recursive: true });
  for (const [f, content] of Object.entries(files)) await writeFile(path.join(root, f), content);
  return root;
}

describe('in-cluster configuration', () => {
  it('loads server, CA, token and namespace from the service account root', async () => {
    const root = await saRoot('full', { token: `${TOKEN}\n`, 'ca.crt': CA_PEM, namespace: 'velero\n' });
    const conn = await loadInClusterConfig({ env, root });
    assert.equal(conn.server, 'https://10.96.0.1:443');
    assert.equal(conn.source, 'in-cluster');
    assert.equal(conn.caData?.toString(), CA_PEM);
    assert.equal(conn.namespace, 'velero');
    assert.equal(conn.insecureSkipTLSVerify, false);
    assert.equal(conn.contextName, undefined);
    assert.equal(conn.credentials.kind, 'token-file');
    assert.equal(await conn.credentials.authorization(), `Bearer ${TOKEN}`);
  });

  it('brackets IPv6 hosts and prefers POD_NAMESPACE', async () => {
    const root = await saRoot('v6', { token: TOKEN, namespace: 'from-file' });
    const conn = await loadInClusterConfig({ env: { KUBERNETES_SERVICE_HOST: 'fd00::1', KUBERNETES_SERVICE_PORT: '6443', POD_NAMESPACE: 'from-env' }, root });
    assert.equal(conn.server, 'https://[fd00::1]:6443');
    assert.equal(conn.namespace, 'from-env');
    assert.equal(conn.caData, undefined, 'no ca.crt: system roots, as client-go falls back');
  });

  it('re-reads the rotated token after invalidate', async () => {
    const root = await saRoot('rotate', { token: 'old-token' });
    const conn = await loadInClusterConfig({ env, root });
    assert.equal(await conn.credentials.authorization(), 'Bearer old-token');
    await writeFile(path.join(root, 'token'), 'new-token');
    conn.credentials.invalidate();
    assert.equal(await conn.credentials.authorization(), 'Bearer new-token');
  });

  it('re-reads the token by mtime once the refresh period has passed', async () => {
    const root = await saRoot('period', { token: 'first' });
    const conn = await loadInClusterConfig({ env, root, tokenRefreshMs: 0 });
    await writeFile(path.join(root, 'token'), 'second-longer');
    assert.equal(await conn.credentials.authorization(), 'Bearer second-longer');
  });

  it('fails with InCluster naming the missing token file', async () => {
    const root = await saRoot('empty', {});
    await assert.rejects(loadInClusterConfig({ env, root }), (err: unknown) => {
      assert.ok(err instanceof KubeConfigError);
      assert.equal(err.reason, 'InCluster');
      assert.ok(err.message.includes(path.join(root, 'token')), err.message);
      return true;
    });
    await assert.rejects(loadInClusterConfig({ env: {}, root }), { reason: 'InCluster', message: /KUBERNETES_SERVICE_HOST/ });
  });

  it('is possible only with both service variables set', () => {
    assert.equal(inClusterPossible(env), true);
    assert.equal(inClusterPossible({ KUBERNETES_SERVICE_HOST: '10.0.0.1' }), false);
    assert.equal(inClusterPossible({ KUBERNETES_SERVICE_HOST: '', KUBERNETES_SERVICE_PORT: '443' }), false);
  });

  it('is the fallback of loadKubeConfig when no kubeconfig exists', async () => {
    const root = await saRoot('fallback', { token: TOKEN, namespace: 'ns' });
    const conn = await loadKubeConfig({ env: { ...env, HOME: path.join(dir, 'no-home') }, inClusterRoot: root });
    assert.equal(conn.source, 'in-cluster');
    assert.equal(conn.namespace, 'ns');
    // A KUBECONFIG naming only missing files also falls back, as client-go's DeferredLoadingClientConfig does.
    const viaEnv = await loadKubeConfig({ env: { ...env, KUBECONFIG: path.join(dir, 'missing') }, inClusterRoot: root });
    assert.equal(viaEnv.server, 'https://10.96.0.1:443');
  });
});
