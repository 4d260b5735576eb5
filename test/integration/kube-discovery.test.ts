/** Discovery against the real API server: built-ins, and a CRD created during the test (after refresh). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { Resources, type KubeObject } from '../../src/kube/index.ts';
import { testCluster, waitFor } from '../support/cluster.ts';

test('discovery lists the built-in resources with preferred version and scope', async () => {
  const { client } = await testCluster();
  await client.discovery.refresh();
  assert.equal(client.discovery.aggregated, true, 'Kubernetes 1.34 offers aggregated discovery');
  const cm = client.discovery.find('configmaps');
  assert.deepEqual([cm?.group, cm?.version, cm?.kind, cm?.namespaced, cm?.preferred], ['', 'v1', 'ConfigMap', true, true]);
  const deploy = client.discovery.find('deploy');
  assert.deepEqual([deploy?.group, deploy?.version, deploy?.resource, deploy?.namespaced], ['apps', 'v1', 'deployments', true]);
  assert.ok(deploy?.subresources.includes('scale') && deploy.subresources.includes('status'));
  const nodes = client.discovery.find('Node');
  assert.equal(nodes?.namespaced, false);
  assert.equal(client.discovery.find('pods')?.subresources.includes('exec'), true);
  assert.equal(client.discovery.find('cronjobs.batch')?.version, 'v1');
  // ambiguous plural: core events before events.k8s.io
  assert.equal(client.discovery.find('events')?.group, '');
  assert.equal(client.discovery.find('events.events.k8s.io')?.group, 'events.k8s.io');
  const preferred = client.discovery.preferredResources();
  const keys = preferred.map((r) => `${r.resource}.${r.group}`);
  assert.equal(new Set(keys).size, keys.length, 'one entry per group-resource');
  assert.ok(preferred.length > 40, `expected the built-in resources, got ${preferred.length}`);
  const version = await client.serverVersion();
  assert.equal(version.gitVersion, 'v1.34.4');
  assert.deepEqual(client.discovery.failures(), []);
});

test('a CRD created during the test appears after a refresh, with its preferred version and scope', async (t) => {
  const { client } = await testCluster();
  await client.discovery.ensure();
  const group = `t${randomBytes(3).toString('hex')}.skiff.test`;
  const crd = (plural: string, kind: string, scope: 'Namespaced' | 'Cluster'): KubeObject => ({
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: `${plural}.${group}` },
    spec: {
      group,
      scope,
      names: { plural, singular: kind.toLowerCase(), kind, shortNames: [`${plural.slice(0, 3)}x`] },
      versions: [
        { name: 'v1beta1', served: true, storage: false, schema: { openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } } },
        { name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } } },
      ],
    },
  });
  for (const [plural, kind, scope] of [['widgets', 'Widget', 'Namespaced'], ['gadgets', 'Gadget', 'Cluster']] as const) {
    await client.create(Resources.customResourceDefinitions, crd(plural, kind, scope));
    t.after(() => client.delete(Resources.customResourceDefinitions, `${plural}.${group}`));
  }
  await waitFor(
    async () => {
      const c = await client.get(Resources.customResourceDefinitions, `widgets.${group}`);
      const conds = ((c.status as { conditions?: Array<{ type: string; status: string }> })?.conditions ?? []);
      return conds.some((x) => x.type === 'Established' && x.status === 'True');
    },
    { what: 'the CRD to be Established' },
  );
  assert.equal(client.discovery.find(`widgets.${group}`), undefined, 'the cached snapshot predates the CRD');
  // resolve() refreshes on a miss; discovery may lag Established by a moment, so poll.
  await waitFor(async () => (await client.discovery.resolve(`widgets.${group}`).catch(() => undefined)) !== undefined, {
    what: 'the CRD in discovery',
  });
  await waitFor(async () => {
    await client.discovery.refresh();
    return client.discovery.find(`gadgets.${group}`) !== undefined;
  }, { what: 'the second CRD in discovery' });
  const widgets = client.discovery.find(`widgets.${group}`)!;
  assert.deepEqual([widgets.version, widgets.namespaced, widgets.kind, widgets.preferred], ['v1', true, 'Widget', true]);
  assert.equal(client.discovery.find(`widgets.v1beta1.${group}`)?.version, 'v1beta1');
  assert.equal(client.discovery.find('widx')?.group, group, 'short name');
  const gadgets = client.discovery.find(`gadget.${group}`)!;
  assert.deepEqual([gadgets.version, gadgets.namespaced], ['v1', false]);
  const g = client.discovery.groups().find((x) => x.name === group);
  assert.deepEqual(g?.versions, ['v1', 'v1beta1']);
  assert.equal(g?.preferredVersion, 'v1');
});
