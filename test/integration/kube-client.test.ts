/** The dynamic client's write verbs against the real API server: patches, server-side apply, status, dry-run, deletes. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { KubeApiError, Resources, isAlreadyExists, isConflict, isInvalid, isNotFound, type KubeObject, type ResourceRef } from '../../src/kube/index.ts';
import { testCluster, waitFor } from '../support/cluster.ts';

const cm = (name: string, namespace: string, data: Record<string, string>, labels: Record<string, string> = {}): KubeObject => ({
  apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace, labels }, data,
});

test('create, get, update with optimistic concurrency, merge / JSON / strategic patches, dry-run', async (t) => {
  const { client, namespace } = await testCluster();
  const ns = await namespace(t, 'verbs');
  const created = await client.create(Resources.configMaps, cm('a', ns, { x: '1' }));
  await assert.rejects(client.create(Resources.configMaps, cm('a', ns, { x: '1' })), isAlreadyExists);
  const fetched = await client.get(Resources.configMaps, 'a', { namespace: ns });
  assert.equal(fetched.metadata.uid, created.metadata.uid);

  const updated = await client.update(Resources.configMaps, { ...fetched, data: { x: '2' } });
  await assert.rejects(client.update(Resources.configMaps, { ...fetched, data: { x: 'stale' } }), isConflict, 'a stale resourceVersion loses');
  assert.equal((updated.data as Record<string, string>).x, '2');

  const merged = await client.patch(Resources.configMaps, 'a', 'merge', { data: { y: '3', x: null } }, { namespace: ns });
  assert.deepEqual(merged.data, { y: '3' });
  const jsonPatched = await client.patch(Resources.configMaps, 'a', 'json', [{ op: 'add', path: '/data/z', value: '4' }], { namespace: ns });
  assert.deepEqual(jsonPatched.data, { y: '3', z: '4' });
  await assert.rejects(
    client.patch(Resources.configMaps, 'a', 'json', [{ op: 'test', path: '/data/z', value: 'nope' }], { namespace: ns }),
    (err: unknown) => err instanceof KubeApiError && err.code === 422,
  );

  const deploy = await client.create(Resources.deployments, {
    apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'd', namespace: ns },
    spec: { selector: { matchLabels: { app: 'd' } }, template: { metadata: { labels: { app: 'd' } }, spec: { containers: [{ name: 'a', image: 'a:1' }, { name: 'b', image: 'b:1' }] } } },
  });
  assert.ok(deploy.metadata.uid);
  const strategic = await client.patch(Resources.deployments, 'd', 'strategic', { spec: { template: { spec: { containers: [{ name: 'b', image: 'b:2' }] } } } }, { namespace: ns });
  const containers = (strategic.spec as { template: { spec: { containers: Array<{ name: string; image: string }> } } }).template.spec.containers;
  assert.deepEqual(containers.map((c) => `${c.name}=${c.image}`), ['a=a:1', 'b=b:2'], 'strategic merge keys containers by name');

  const dry = await client.create(Resources.configMaps, cm('dry', ns, { a: 'b' }), { dryRun: true });
  assert.equal(dry.metadata.name, 'dry');
  assert.equal(await client.getIfExists(Resources.configMaps, 'dry', { namespace: ns }), undefined, 'a dry run persists nothing');
  await assert.rejects(
    client.create(Resources.configMaps, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'Bad_Name', namespace: ns } }),
    (err: unknown) => isInvalid(err) && err instanceof KubeApiError && err.causes.some((c) => c.field === 'metadata.name'),
  );
});

test('server-side apply owns fields per manager, reports conflicts, and force takes over', async (t) => {
  const { client, namespace } = await testCluster();
  const ns = await namespace(t, 'apply');
  const obj = cm('applied', ns, { owned: 'by-skiff' });
  const first = await client.apply(Resources.configMaps, obj, { fieldManager: 'skiff' });
  assert.equal((first.data as Record<string, string>).owned, 'by-skiff');
  assert.ok((first.metadata.managedFields as Array<{ manager: string }>).some((m) => m.manager === 'skiff'));
  await assert.rejects(client.apply(Resources.configMaps, cm('applied', ns, { owned: 'by-other' }), { fieldManager: 'other' }), (err: unknown) => {
    assert.ok(isConflict(err), String(err));
    return true;
  });
  const forced = await client.apply(Resources.configMaps, cm('applied', ns, { owned: 'by-other' }), { fieldManager: 'other', force: true });
  assert.equal((forced.data as Record<string, string>).owned, 'by-other');
});

test('the status subresource changes status only; deletes honour preconditions; delete-collection by label', async (t) => {
  const { client, namespace } = await testCluster();
  const ns = await namespace(t, 'status');
  const group = `s${randomBytes(3).toString('hex')}.skiff.test`;
  const crdName = `things.${group}`;
  await client.create(Resources.customResourceDefinitions, {
    apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', metadata: { name: crdName },
    spec: {
      group, scope: 'Namespaced', names: { plural: 'things', singular: 'thing', kind: 'Thing' },
      versions: [{ name: 'v1', served: true, storage: true, subresources: { status: {} }, schema: { openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } } }],
    },
  });
  t.after(() => client.delete(Resources.customResourceDefinitions, crdName));
  const things: ResourceRef = { group, version: 'v1', resource: 'things', namespaced: true };
  let created: KubeObject | undefined;
  await waitFor(async () => {
    created = await client.create(things, { apiVersion: `${group}/v1`, kind: 'Thing', metadata: { name: 't1', namespace: ns }, spec: { size: 1 }, status: { phase: 'Ignored' } }).catch(() => undefined);
    return created !== undefined;
  }, { what: 'the CRD to serve' });
  assert.equal(created!.status, undefined, 'status is dropped on create when the status subresource is on');
  const withStatus = await client.updateStatus(things, { ...created!, spec: { size: 99 }, status: { phase: 'Completed' } });
  assert.deepEqual([withStatus.status, (withStatus.spec as { size: number }).size], [{ phase: 'Completed' }, 1]);
  const patched = await client.patch(things, 't1', 'merge', { status: { phase: 'Failed' } }, { namespace: ns, subresource: 'status' });
  assert.deepEqual(patched.status, { phase: 'Failed' });
  assert.deepEqual((await client.get(things, 't1', { namespace: ns, subresource: 'status' })).status, { phase: 'Failed' });

  await assert.rejects(client.delete(things, 't1', { namespace: ns, preconditions: { uid: 'not-the-uid' } }), isConflict);
  await client.delete(things, 't1', { namespace: ns, preconditions: { uid: created!.metadata.uid! } });
  await assert.rejects(client.get(things, 't1', { namespace: ns }), isNotFound);

  for (const [name, team] of [['p', 'red'], ['q', 'red'], ['r', 'blue']] as const) await client.create(Resources.configMaps, cm(name, ns, {}, { team }));
  await client.deleteCollection(Resources.configMaps, { namespace: ns, labelSelector: 'team=red' });
  const left = await client.list(Resources.configMaps, { namespace: ns, labelSelector: 'team' });
  assert.deepEqual(left.items.map((o) => o.metadata.name), ['r']);
});
