/**
 * Expired continue tokens and watch versions against a real API server. Kubernetes 1.34 serves
 * continues from its watch cache, so this API server runs with --watch-cache=false: lists and watches
 * then go to etcd, and compacting etcd makes them expire (410), as on a busy production cluster.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Informer, Resources, isResourceExpired } from '../../src/kube/index.ts';
import { mapLimit } from '../../src/util/index.ts';
import { testCluster, waitFor } from '../support/cluster.ts';
import { startIsolatedApiServer } from '../support/api-server.ts';
import { compactEtcd } from '../support/etcd.ts';

test('lists survive an expired continue token, and watches an expired resourceVersion', async (t) => {
  // Lists and watches go to etcd (no watch cache), so continue tokens and resourceVersions can expire.
  const { state } = await testCluster();
  const api = await startIsolatedApiServer('nocache', ['--watch-cache=false']);
  t.after(() => api.stop());
  const { client } = api;
  const names = Array.from({ length: 1200 }, (_, i) => `cm-${String(i).padStart(4, '0')}`);
  await mapLimit(names, 32, (name) => client.create(Resources.configMaps, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 'default', labels: { set: 'a' } } }));

  // The raw API really answers 410 once etcd has compacted the token's revision.
  const first = await client.transport.json<{ metadata: { continue: string } }>({ method: 'GET', path: '/api/v1/namespaces/default/configmaps', query: { limit: 500, labelSelector: 'set=a' } });
  await client.create(Resources.configMaps, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'bump', namespace: 'default' } });
  await compactEtcd(state.etcdUrl);
  await assert.rejects(
    client.transport.json({ method: 'GET', path: '/api/v1/namespaces/default/configmaps', query: { limit: 500, labelSelector: 'set=a', continue: first.metadata.continue } }),
    (err: unknown) => isResourceExpired(err),
  );

  // The pager continues past the same situation: every object exactly once, flagged inconsistent.
  for (const onExpired of ['continue', 'restart'] as const) {
    const seen: string[] = [];
    const flags: Array<[boolean, boolean]> = [];
    let pageNo = 0;
    for await (const page of client.listPages(Resources.configMaps, { namespace: 'default', labelSelector: 'set=a', limit: 500, onExpired })) {
      if (page.restarted) seen.length = 0;
      seen.push(...page.items.map((o) => o.metadata.name!));
      flags.push([page.inconsistent, page.restarted]);
      if (++pageNo === 1) {
        await client.create(Resources.configMaps, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `bump-${onExpired}`, namespace: 'default' } });
        await compactEtcd(state.etcdUrl);
      }
    }
    assert.deepEqual(seen, names, `${onExpired}: all objects, in order, once`);
    if (onExpired === 'continue') assert.ok(flags.slice(1).every(([inconsistent]) => inconsistent), JSON.stringify(flags));
    else assert.ok(flags.some(([, restarted]) => restarted), JSON.stringify(flags));
  }

  // A watch resumed from a compacted resourceVersion gets 410; the informer re-lists and carries on.
  // Its watches last one second, so it resumes from its (unchanging) version after the compaction.
  const informer = new Informer({ client, resource: Resources.configMaps, namespace: 'default', labelSelector: 'set=b', watchTimeoutSeconds: 1, backoff: { initialMs: 50, maxMs: 500 } });
  const adds: string[] = [];
  informer.on({ onAdd: (o) => adds.push(o.metadata.name!) });
  informer.start();
  t.after(() => informer.stop());
  await informer.waitForSync();
  for (const name of ['other-1', 'other-2']) {
    await client.create(Resources.configMaps, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 'default', labels: { set: 'c' } } });
  }
  await compactEtcd(state.etcdUrl);
  await waitFor(async () => informer.stats.expired > 0, { what: 'the informer to meet a 410', timeoutMs: 30_000 });
  await client.create(Resources.configMaps, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'late', namespace: 'default', labels: { set: 'b' } } });
  await waitFor(async () => adds.includes('late'), { what: 'the informer to see an object created after compaction', timeoutMs: 30_000 });
  assert.ok(informer.stats.lists >= 2, 'it re-listed');
});
