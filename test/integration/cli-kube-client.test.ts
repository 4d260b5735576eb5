/** The CLI's client factory resolves --kubeconfig, KUBECONFIG and --kubecontext like kubectl, against the real API server. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { kubeClientFor } from '../../src/cli/kube-client.ts';
import { resolveGlobals } from '../../src/cli/globals.ts';
import type { CliContext } from '../../src/cli/context.ts';
import { testCluster } from '../support/cluster.ts';

function ctx(env: Record<string, string>): CliContext {
  const sink = { write: () => true };
  return { env, stdout: sink, stderr: sink, homeDir: '/nonexistent-home', cwd: process.cwd() };
}

test('kubeClientFor: --kubeconfig, then KUBECONFIG; a missing --kubecontext names the choices', async () => {
  const { kubeconfig } = await testCluster();
  for (const [flags, env] of [[{ kubeconfig }, {}], [{}, { KUBECONFIG: kubeconfig }]] as const) {
    const c = ctx(env);
    const client = await kubeClientFor(resolveGlobals(flags, c), c);
    try {
      assert.equal((await client.serverVersion()).gitVersion, 'v1.34.4');
    } finally {
      await client.close();
    }
  }
  const c = ctx({});
  await assert.rejects(kubeClientFor(resolveGlobals({ kubeconfig, kubecontext: 'nope' }, c), c), (err: unknown) => {
    assert.match((err as Error).message, /nope/);
    assert.match((err as Error).message, /skiff-/, 'lists the contexts that exist');
    return true;
  });
  await assert.rejects(kubeClientFor(resolveGlobals({}, c), c), /no Kubernetes configuration found/);
});
