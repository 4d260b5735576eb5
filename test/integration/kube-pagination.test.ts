/** 5,000 ConfigMaps created in parallel, then listed through limit/continue pages: exactly the same set. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Resources } from '../../src/kube/index.ts';
import { mapLimit } from '../../src/util/index.ts';
import { testCluster } from '../support/cluster.ts';

test('5,000 ConfigMaps come back exactly through pagination', async (t) => {
  const { client, namespace } = await testCluster();
  const ns = await namespace(t, 'paging');
  const names = Array.from({ length: 5000 }, (_, i) => `cm-${String(i).padStart(5, '0')}-${(i * 7919) % 1000}`);
  await mapLimit(names, 64, (name) =>
    client.create(Resources.configMaps, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: ns, labels: { bulk: 'yes' } }, data: { n: name } }),
  );
  const seen: string[] = [];
  let pages = 0;
  let rv: string | undefined;
  for await (const page of client.listPages(Resources.configMaps, { namespace: ns, limit: 500 })) {
    pages++;
    assert.equal(page.inconsistent, false);
    rv ??= page.metadata.resourceVersion;
    assert.equal(page.metadata.resourceVersion, rv, 'every page is of one snapshot');
    for (const item of page.items) seen.push(item.metadata.name!);
  }
  // Every namespace also holds the controller-manager's kube-root-ca.crt.
  const expected = [...names, 'kube-root-ca.crt'].sort();
  assert.equal(seen.length, expected.length);
  assert.equal(pages, Math.ceil(expected.length / 500));
  assert.deepEqual([...seen].sort(), expected);
  // The streaming iterator and a label-selected list agree.
  let count = 0;
  for await (const cm of client.listAll(Resources.configMaps, { namespace: ns, labelSelector: 'bulk=yes', limit: 777 })) {
    assert.equal((cm.data as { n: string }).n, cm.metadata.name);
    count++;
  }
  assert.equal(count, 5000);
  const requests = client.transport.stats.requests;
  assert.ok((requests['POST 201'] ?? 0) >= 5000);
});
