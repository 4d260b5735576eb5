/** The restored-resource list (`restore-<name>-resource-list.json.gz`), outcome counts and progress. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RestoreResults } from './results.ts';

test('resource list: "<apiVersion>/<Kind>" keys, "ns/name(outcome)" or "name(outcome)" entries, both sorted', () => {
  const r = new RestoreResults();
  r.record('v1/Pod', 'shop', 'web-2', 'created');
  r.record('apps/v1/Deployment', 'shop', 'web', 'updated');
  r.record('v1/PersistentVolume', undefined, 'pv-1', 'skipped');
  r.record('v1/Pod', 'shop', 'web-1', 'failed');
  r.record('v1/Pod', 'bar', 'db', 'created');
  assert.deepEqual(r.resourceList(), {
    'apps/v1/Deployment': ['shop/web(updated)'],
    'v1/PersistentVolume': ['pv-1(skipped)'],
    'v1/Pod': ['bar/db(created)', 'shop/web-1(failed)', 'shop/web-2(created)'],
  });
  assert.deepEqual(Object.keys(r.resourceList()), ['apps/v1/Deployment', 'v1/PersistentVolume', 'v1/Pod']);
});

test('resource list: an empty namespace is written like a cluster-scoped object', () => {
  const r = new RestoreResults();
  r.record('v1/Namespace', '', 'shop', 'created');
  assert.deepEqual(r.resourceList(), { 'v1/Namespace': ['shop(created)'] });
});

test('resource list: a copy; changing it does not change the results', () => {
  const r = new RestoreResults();
  r.record('v1/Pod', 'n', 'a', 'created');
  r.resourceList()['v1/Pod']!.push('x');
  assert.deepEqual(r.resourceList(), { 'v1/Pod': ['n/a(created)'] });
});

test('counts: one per outcome, starting at zero', () => {
  const r = new RestoreResults();
  assert.deepEqual(r.counts, { created: 0, updated: 0, failed: 0, skipped: 0 });
  r.record('v1/Pod', 'n', 'a', 'created');
  r.record('v1/Pod', 'n', 'b', 'created');
  r.record('v1/Pod', 'n', 'c', 'failed');
  r.record('v1/ConfigMap', 'n', 'c', 'skipped');
  assert.deepEqual(r.counts, { created: 2, updated: 0, failed: 1, skipped: 1 });
});

test('progress: total is what the restore expects (it grows with additional items), never less than what was recorded', () => {
  const r = new RestoreResults();
  assert.deepEqual(r.progress(), { totalItems: 0, itemsRestored: 0 });
  r.expect(3);
  assert.deepEqual(r.progress(), { totalItems: 3, itemsRestored: 0 });
  r.record('v1/Pod', 'n', 'a', 'created');
  r.expect(1);
  assert.deepEqual(r.progress(), { totalItems: 4, itemsRestored: 1 });
  for (const name of ['b', 'c', 'd', 'e', 'f']) r.record('v1/Pod', 'n', name, 'skipped');
  assert.deepEqual(r.progress(), { totalItems: 6, itemsRestored: 6 }, 'more recorded than expected: the total follows');
});
