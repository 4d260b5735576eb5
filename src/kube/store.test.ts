/** Unit tests for kube/store (ObjectCache): CRUD, the namespace index, custom indexes across updates, and replace() diffs. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ObjectCache } from './store.ts';
import type { KubeObject } from './types.ts';

function pod(namespace: string | undefined, name: string, rv: string, node?: string, labels: Record<string, string> = {}): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, resourceVersion: rv, labels, ...(namespace ? { namespace } : {}) },
    spec: node ? { nodeName: node } : {},
  };
}
const nodeOf = (o: KubeObject): string[] => {
  const n = (o['spec'] as { nodeName?: string } | undefined)?.nodeName;
  return n ? [n] : [];
};
const names = (objs: KubeObject[]): string[] => objs.map((o) => `${o.metadata.namespace ?? ''}/${o.metadata.name}`).sort();

describe('ObjectCache', () => {
  it('upsert, get, getByName, list, keys, remove and size', () => {
    const c = new ObjectCache();
    assert.equal(c.upsert(pod('ns1', 'a', '1')), undefined);
    assert.equal(c.upsert(pod('ns2', 'a', '1')), undefined);
    assert.equal(c.upsert(pod(undefined, 'node-1', '1')), undefined);
    assert.equal(c.size, 3);
    assert.equal(c.get('ns1/a')?.metadata.namespace, 'ns1');
    assert.equal(c.getByName('a', 'ns2')?.metadata.namespace, 'ns2');
    assert.equal(c.getByName('node-1')?.metadata.name, 'node-1');
    assert.equal(c.get('node-1')?.metadata.name, 'node-1', 'cluster-scoped keys are the bare name');
    assert.deepEqual(c.keys().sort(), ['node-1', 'ns1/a', 'ns2/a']);
    assert.equal(c.list().length, 3);

    const prev = c.upsert(pod('ns1', 'a', '2'));
    assert.equal(prev?.metadata.resourceVersion, '1', 'upsert returns what was there');
    assert.equal(c.get('ns1/a')?.metadata.resourceVersion, '2');
    assert.equal(c.size, 3);

    assert.equal(c.remove('ns1/a')?.metadata.resourceVersion, '2');
    assert.equal(c.remove('ns1/a'), undefined);
    assert.equal(c.get('ns1/a'), undefined);
    assert.equal(c.size, 2);
  });

  it('keeps the namespace index correct across adds and removes', () => {
    const c = new ObjectCache();
    c.upsert(pod('ns1', 'a', '1'));
    c.upsert(pod('ns1', 'b', '1'));
    c.upsert(pod('ns2', 'a', '1'));
    c.upsert(pod(undefined, 'cluster-thing', '1'));
    assert.deepEqual(names(c.byIndex('namespace', 'ns1')), ['ns1/a', 'ns1/b']);
    assert.deepEqual(names(c.byIndex('namespace', 'ns2')), ['ns2/a']);
    assert.deepEqual(c.byIndex('namespace', ''), [], 'cluster-scoped objects are in no namespace');
    c.remove('ns1/a');
    assert.deepEqual(names(c.byIndex('namespace', 'ns1')), ['ns1/b']);
    c.remove('ns1/b');
    assert.deepEqual(c.byIndex('namespace', 'ns1'), []);
    assert.deepEqual(c.byIndex('no-such-index', 'x'), []);
  });

  it('keeps a custom index correct when an update changes the indexed value', () => {
    const c = new ObjectCache();
    c.addIndex('node', nodeOf);
    c.upsert(pod('ns', 'a', '1', 'n1'));
    c.upsert(pod('ns', 'b', '1', 'n1'));
    assert.deepEqual(names(c.byIndex('node', 'n1')), ['ns/a', 'ns/b']);

    c.upsert(pod('ns', 'a', '2', 'n2')); // moved
    assert.deepEqual(names(c.byIndex('node', 'n1')), ['ns/b']);
    assert.deepEqual(names(c.byIndex('node', 'n2')), ['ns/a']);
    assert.equal(c.byIndex('node', 'n2')[0]?.metadata.resourceVersion, '2', 'the index returns the current object');

    c.upsert(pod('ns', 'b', '2')); // unscheduled: no value
    assert.deepEqual(c.byIndex('node', 'n1'), []);
    c.remove('ns/a');
    assert.deepEqual(c.byIndex('node', 'n2'), []);
  });

  it('indexes objects already present when an index is added, and supports several values per object', () => {
    const c = new ObjectCache();
    c.upsert(pod('ns', 'a', '1', undefined, { app: 'web', tier: 'front' }));
    c.upsert(pod('ns', 'b', '1', undefined, { app: 'db' }));
    c.addIndex('label', (o) => Object.entries(o.metadata.labels ?? {}).map(([k, v]) => `${k}=${v}`));
    assert.deepEqual(names(c.byIndex('label', 'app=web')), ['ns/a']);
    assert.deepEqual(names(c.byIndex('label', 'tier=front')), ['ns/a']);
    c.upsert(pod('ns', 'a', '2', undefined, { app: 'db' }));
    assert.deepEqual(c.byIndex('label', 'tier=front'), []);
    assert.deepEqual(c.byIndex('label', 'app=web'), []);
    assert.deepEqual(names(c.byIndex('label', 'app=db')), ['ns/a', 'ns/b']);
  });

  it('replace() reports added, updated (only on a new resourceVersion) and deleted, and leaves the cache equal to the list', () => {
    const c = new ObjectCache();
    c.addIndex('node', nodeOf);
    c.replace([pod('ns', 'same', '1', 'n1'), pod('ns', 'changed', '1', 'n1'), pod('ns', 'gone', '1', 'n1')]);

    const r = c.replace([pod('ns', 'same', '1', 'n1'), pod('ns', 'changed', '2', 'n2'), pod('ns', 'new', '1', 'n2')]);
    assert.deepEqual(names(r.added), ['ns/new']);
    assert.equal(r.updated.length, 1);
    const [previous, current] = r.updated[0]!;
    assert.equal(previous.metadata.resourceVersion, '1');
    assert.equal(current.metadata.resourceVersion, '2');
    assert.deepEqual(names(r.deleted), ['ns/gone']);
    assert.deepEqual(c.keys().sort(), ['ns/changed', 'ns/new', 'ns/same']);
    assert.deepEqual(names(c.byIndex('node', 'n1')), ['ns/same']);
    assert.deepEqual(names(c.byIndex('node', 'n2')), ['ns/changed', 'ns/new']);

    const empty = c.replace([]);
    assert.deepEqual(names(empty.deleted), ['ns/changed', 'ns/new', 'ns/same']);
    assert.equal(c.size, 0);
    assert.deepEqual(c.byIndex('node', 'n2'), []);
    assert.deepEqual(c.byIndex('namespace', 'ns'), []);
  });
});
