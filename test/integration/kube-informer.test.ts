/** An informer sees add/update/delete, and keeps working across a kube-apiserver restart. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Informer, KubeClient, Resources, type KubeObject } from '../../src/kube/index.ts';
import { startExtraApiServer } from '../../src/local-cluster/index.ts';
import { testCluster, waitFor } from '../support/cluster.ts';

interface Seen {
  events: string[];
}

function record(informer: Informer, seen: Seen): void {
  informer.on({
    onAdd: (o) => seen.events.push(`add ${o.metadata.name} ${(o.data as Record<string, string>)?.v ?? ''}`),
    onUpdate: (_p, o) => seen.events.push(`update ${o.metadata.name} ${(o.data as Record<string, string>)?.v ?? ''}`),
    onDelete: (o) => seen.events.push(`delete ${o.metadata.name}`),
  });
}

const cm = (name: string, v: string, namespace = 'default'): KubeObject => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace, labels: { informer: 'test' } }, data: { v } });

test('an informer sees add, update and delete', async (t) => {
  const { client, namespace } = await testCluster();
  const ns = await namespace(t, 'informer');
  await client.create(Resources.configMaps, cm('before', '0', ns));
  const informer = new Informer({ client, resource: Resources.configMaps, namespace: ns, labelSelector: 'informer=test' });
  const seen: Seen = { events: [] };
  record(informer, seen);
  informer.start();
  t.after(() => informer.stop());
  await informer.waitForSync();
  assert.deepEqual(seen.events, ['add before 0']);
  await client.create(Resources.configMaps, cm('a', '1', ns));
  await client.patch(Resources.configMaps, 'a', 'merge', { data: { v: '2' } }, { namespace: ns });
  await client.delete(Resources.configMaps, 'a', { namespace: ns });
  await waitFor(async () => seen.events.length >= 4, { what: 'the informer events', timeoutMs: 20_000 });
  assert.deepEqual(seen.events, ['add before 0', 'add a 1', 'update a 2', 'delete a']);
  assert.deepEqual(informer.cache.keys(), [`${ns}/before`]);
  assert.equal(informer.cache.byIndex('namespace', ns).length, 1);
});

test('an informer keeps working across a kube-apiserver restart, and catches up on what changed meanwhile', async (t) => {
  const { state } = await testCluster();
  // Two API servers of our own on the shared etcd, under a prefix no other test sees; restarting them disturbs no one.
  const prefix = `/skiff-restart-${randomBytes(4).toString('hex')}`;
  const dirs = await Promise.all([0, 1].map(() => mkdtemp(join(tmpdir(), 'skiff-extra-apiserver-'))));
  const [a, b] = await Promise.all(dirs.map((dir) => startExtraApiServer(state, { dir, etcdPrefix: prefix, owner: process.pid })));
  t.after(async () => {
    await Promise.all([a!.stop(), b!.stop()]);
    await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
  });
  const clientA = await KubeClient.fromKubeConfig({ kubeconfig: { kubeconfig: a!.kubeconfig, env: {} }, retry: { maxAttempts: 2 } });
  const clientB = await KubeClient.fromKubeConfig({ kubeconfig: { kubeconfig: b!.kubeconfig, env: {} } });
  t.after(() => Promise.all([clientA.close(), clientB.close()]));
  await waitFor(async () => (await clientB.getIfExists(Resources.namespaces, 'default')) !== undefined, { what: 'namespace default' });

  const informer = new Informer({ client: clientA, resource: Resources.configMaps, namespace: 'default', labelSelector: 'informer=test', backoff: { initialMs: 100, maxMs: 1000 } });
  const seen: Seen = { events: [] };
  const errors: unknown[] = [];
  record(informer, seen);
  informer.on({ onError: (err) => errors.push(err) });
  informer.start();
  t.after(() => informer.stop());
  await informer.waitForSync();
  await clientB.create(Resources.configMaps, cm('x', '1'));
  await clientB.create(Resources.configMaps, cm('y', '1'));
  await waitFor(async () => seen.events.length === 2, { what: 'adds before the restart', timeoutMs: 20_000 });

  await a!.stop();
  // While A is down, change things through B: A's informer must catch up after the restart.
  await clientB.patch(Resources.configMaps, 'x', 'merge', { data: { v: '2' } }, { namespace: 'default' });
  await clientB.delete(Resources.configMaps, 'y', { namespace: 'default' });
  await clientB.create(Resources.configMaps, cm('z', '1'));
  await a!.start();

  await waitFor(async () => seen.events.length >= 5, { what: 'events after the restart', timeoutMs: 60_000 });
  assert.deepEqual(seen.events.slice(2).sort(), ['add z 1', 'delete y', 'update x 2']);
  assert.ok(errors.length > 0, 'the outage was noticed and reported');

  // And it keeps following new changes.
  await clientB.patch(Resources.configMaps, 'z', 'merge', { data: { v: '3' } }, { namespace: 'default' });
  await waitFor(async () => seen.events.includes('update z 3'), { what: 'an update after the restart', timeoutMs: 20_000 });
  assert.deepEqual(informer.cache.keys().sort(), ['default/x', 'default/z']);
  assert.equal((informer.cache.getByName('x', 'default')?.data as Record<string, string>).v, '2');
});
