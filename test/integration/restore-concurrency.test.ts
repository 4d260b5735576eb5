/**
 * Restores side by side (`--concurrent-restores 2`): a restore blocked on a Terminating namespace does not hold
 * up a restore into another namespace, while a restore into the same namespace waits its turn — never two
 * operations on the same objects at once.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { VeleroResources } from '../../src/api/index.ts';
import { Resources, type KubeObject } from '../../src/kube/index.ts';
import { waitFor } from '../support/cluster.ts';
import { startTestServer } from '../support/skiff-server.ts';
import { backUp, waitForRestore, type RestoreObject } from '../support/restore.ts';

test('concurrent restores: different namespaces run side by side, the same namespace waits', async (t) => {
  const s = await startTestServer(t, { concurrentRestores: 2 });
  const { client } = s.cluster;
  const src = `conc-${randomBytes(3).toString('hex')}`;
  const [held, other] = [`${src}-held`, `${src}-other`];
  const release = (): Promise<unknown> =>
    client.patch(Resources.configMaps, 'hold', 'merge', { metadata: { finalizers: null } } as unknown as KubeObject, { namespace: held }).catch(() => undefined);
  t.after(async () => {
    await release();
    for (const ns of [src, held, other]) await client.delete(Resources.namespaces, ns).catch(() => undefined);
  });
  await client.create(Resources.namespaces, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: src } });
  await client.create(Resources.configMaps, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'app', namespace: src }, data: { a: '1' } });
  await backUp(s, 'conc', { includedNamespaces: [src] });
  // The target of the first restore is Terminating, held by a finalizer: that restore waits as long as the test wants.
  await client.create(Resources.namespaces, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: held } });
  await client.create(Resources.configMaps, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'hold', namespace: held, finalizers: ['skiff.test/hold'] } });
  await client.delete(Resources.namespaces, held);
  await waitFor(async () => (await client.get(Resources.namespaces, held)).metadata.deletionTimestamp !== undefined, { what: `namespace ${held} to be Terminating` });

  const create = (name: string, target: string): Promise<unknown> =>
    client.create(VeleroResources.restores, { apiVersion: 'velero.io/v1', kind: 'Restore', metadata: { name, namespace: s.namespace }, spec: { backupName: 'conc', includedNamespaces: [src], namespaceMapping: { [src]: target } } });
  const get = (name: string): Promise<RestoreObject> => client.get<RestoreObject>(VeleroResources.restores, name, { namespace: s.namespace });
  await create('blocked', held);
  await waitFor(async () => (await get('blocked')).status?.phase === 'InProgress', { what: 'the first restore to start' });
  await create('same-target', held);
  await create('elsewhere', other);

  const elsewhere = await waitForRestore(client, s.namespace, 'elsewhere');
  assert.equal(elsewhere.status?.phase, 'Completed', 'a restore into another namespace ran while the first was blocked');
  assert.equal((await get('blocked')).status?.phase, 'InProgress');
  const waiting = await get('same-target');
  assert.ok(!waiting.status?.phase || waiting.status.phase === 'New', `a restore into the same namespace waits (phase ${waiting.status?.phase})`);
  assert.equal(waiting.status?.['startTimestamp'], undefined);

  await release();
  const first = await waitForRestore(client, s.namespace, 'blocked');
  const second = await waitForRestore(client, s.namespace, 'same-target');
  assert.equal(first.status?.phase, 'Completed');
  assert.equal(second.status?.phase, 'Completed');
  assert.ok(String(second.status?.['startTimestamp']) >= String(first.status?.['completionTimestamp']), 'the second restore into the namespace started after the first finished');
});
