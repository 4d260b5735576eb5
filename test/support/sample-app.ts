/** @module test/support/sample-app: the nginx example deployed into a fresh namespace, up and bound, removed after the test. */
import { randomBytes } from 'node:crypto';
import { Resources, type KubeClient } from '../../src/kube/index.ts';
import { sampleApp } from '../../src/local-cluster/index.ts';
import { waitFor } from './cluster.ts';

/** Deploys the app as `nginx-<random>` (PV `pv-<ns>-logs`) and waits for its pod and claim; returns the namespace. */
export async function deploySampleApp(client: KubeClient, t: { after(fn: () => unknown): void }): Promise<string> {
  const ns = `nginx-${randomBytes(3).toString('hex')}`;
  for (const { ref, obj } of sampleApp({ namespace: ns })) await client.create(ref, obj);
  t.after(async () => {
    await client.delete(Resources.namespaces, ns).catch(() => undefined);
    await client.delete(Resources.persistentVolumes, `pv-${ns}-logs`).catch(() => undefined);
  });
  await waitFor(async () => (await client.list(Resources.pods, { namespace: ns })).items.some((p) => (p.status as { phase?: string })?.phase === 'Running'), { what: 'the nginx pod' });
  await waitFor(async () => ((await client.get(Resources.persistentVolumeClaims, 'nginx-logs', { namespace: ns })).status as { phase?: string })?.phase === 'Bound', { what: 'the PVC to bind' });
  return ns;
}
