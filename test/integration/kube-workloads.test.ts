/** A Deployment's pod reaches Running on a kwok node; exec into it; a namespace deletion completes. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ExecError, KubeApiError, Resources, type KubeObject } from '../../src/kube/index.ts';
import { testCluster, waitFor } from '../support/cluster.ts';

interface Pod extends KubeObject {
  spec: { nodeName?: string; containers: Array<{ name: string }> };
  status?: { phase?: string };
}

function deployment(name: string, ns: string): KubeObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: ns, labels: { app: name } },
    spec: {
      replicas: 1,
      selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'web', image: 'nginx:1.27' }] } },
    },
  };
}

async function runningPod(ns: string, app: string): Promise<Pod> {
  const { client } = await testCluster();
  let pod: Pod | undefined;
  await waitFor(
    async () => {
      const pods = await client.list<Pod>(Resources.pods, { namespace: ns, labelSelector: `app=${app}` });
      pod = pods.items.find((p) => p.status?.phase === 'Running');
      return pod !== undefined;
    },
    { what: `a Running pod of ${app}` },
  );
  return pod!;
}

test("a Deployment's pod is scheduled onto a kwok node and runs; exec returns stdout, stderr and the exit code", async (t) => {
  const { client, namespace, state } = await testCluster();
  const ns = await namespace(t, 'exec');
  await client.create(Resources.deployments, deployment('web', ns));
  const pod = await runningPod(ns, 'web');
  assert.ok(state.nodes.includes(pod.spec.nodeName ?? ''), `scheduled onto a kwok node, got ${pod.spec.nodeName}`);

  const ok = await client.exec({ namespace: ns, pod: pod.metadata.name!, container: 'web', command: ['sh', '-c', 'echo hello; echo warn >&2'] });
  assert.deepEqual([ok.stdout.toString(), ok.stderr.toString(), ok.exitCode], ['hello\n', 'warn\n', 0]);

  const failed = await client.exec({ namespace: ns, pod: pod.metadata.name!, command: ['sh', '-c', 'echo partial; echo oops >&2; exit 3'] });
  assert.deepEqual([failed.stdout.toString(), failed.stderr.toString(), failed.exitCode], ['partial\n', 'oops\n', 3]);

  // kwok never delivers stdin's end (kubectl exec -i hangs on `cat` too), so read a known length.
  const piped = await client.exec({ namespace: ns, pod: pod.metadata.name!, command: ['head', '-c', '10'], stdin: 'from stdin' });
  assert.deepEqual([piped.stdout.toString(), piped.exitCode], ['from stdin', 0]);

  await assert.rejects(client.exec({ namespace: ns, pod: 'no-such-pod', command: ['true'] }), (err: unknown) => {
    assert.ok(err instanceof KubeApiError, String(err));
    assert.equal(err.code, 404);
    assert.match(err.message, /no-such-pod/);
    return true;
  });
  await assert.rejects(
    client.exec({ namespace: ns, pod: pod.metadata.name!, command: ['sleep', '30'], timeoutMs: 500 }),
    (err: unknown) => err instanceof ExecError && err.reason === 'Timeout',
  );
});

test('deleting a namespace completes: the controller-manager finalizes it', async (t) => {
  const { client, namespace } = await testCluster();
  const ns = await namespace(t, 'doomed');
  await client.create(Resources.deployments, deployment('app', ns));
  await client.create(Resources.configMaps, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', namespace: ns }, data: { a: 'b' } });
  await runningPod(ns, 'app');
  await client.delete(Resources.namespaces, ns);
  const terminating = await client.getIfExists(Resources.namespaces, ns);
  assert.ok(terminating === undefined || (terminating.status as { phase?: string })?.phase === 'Terminating');
  await waitFor(async () => (await client.getIfExists(Resources.namespaces, ns)) === undefined, { what: `namespace ${ns} to be gone`, timeoutMs: 90_000, intervalMs: 500 });
  const pods = await client.list(Resources.pods, { namespace: ns });
  assert.equal(pods.items.length, 0);
});
