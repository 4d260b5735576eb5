/** The glob dialect of include/exclude lists, and the namespace-pattern validation. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { globMatch, validateGlob } from './glob.ts';
import { IncludesExcludes, OldResourceFilter, ScopedResourceFilter } from './filters.ts';

test('globs: * spans dots, ? is one character, classes, literals are exact', () => {
  assert.equal(globMatch('*', 'anything.at.all'), true);
  assert.equal(globMatch('*.apps', 'deployments.apps'), true);
  assert.equal(globMatch('team-?', 'team-a'), true);
  assert.equal(globMatch('team-?', 'team-ab'), false);
  assert.equal(globMatch('ns-[a-c]', 'ns-b'), true);
  assert.equal(globMatch('ns-[a-c]', 'ns-d'), false);
  assert.equal(globMatch('a.b', 'axb'), false, 'a dot is literal');
  assert.equal(globMatch('pods', 'pods'), true);
  assert.equal(globMatch('pods', 'podsx'), false);
});

test('namespace patterns reject what Velero rejects', () => {
  for (const bad of ['a**', 'a|b', '{a,b}', 'a!', 'a[', 'a]', 'a[]', 'a[[b]]', '(a)']) assert.ok(validateGlob(bad), bad);
  for (const good of ['a*', 'team-?', 'ns-[a-z]', '*']) assert.equal(validateGlob(good), undefined, good);
});

test('includes/excludes: exclusion wins, empty includes mean all', () => {
  const f = new IncludesExcludes(['app-*'], ['app-secret']);
  assert.equal(f.shouldInclude('app-web'), true);
  assert.equal(f.shouldInclude('app-secret'), false);
  assert.equal(f.shouldInclude('db'), false);
  assert.equal(new IncludesExcludes([], ['x']).shouldInclude('y'), true);
  assert.equal(new IncludesExcludes(['*']).includesEverything(), true);
  assert.equal(new IncludesExcludes(['*'], ['kube-system']).includesEverything(), false);
});

test('old resource filter: the includeClusterResources tri-state', () => {
  const all = new IncludesExcludes(['*']);
  const some = new IncludesExcludes(['team-a']);
  const resources = new IncludesExcludes(['*'], ['secrets']);
  const auto = (ns: IncludesExcludes): OldResourceFilter => new OldResourceFilter(resources, undefined, ns);
  assert.equal(auto(all).shouldInclude('clusterroles.rbac.authorization.k8s.io', false), true, 'all namespaces: cluster resources too');
  assert.equal(auto(some).shouldInclude('clusterroles.rbac.authorization.k8s.io', false), false, 'some namespaces: only related ones');
  assert.equal(auto(some).shouldInclude('namespaces', false), true);
  assert.equal(auto(some).shouldExclude('persistentvolumes', false), false, 'a PVC may still bring its PV');
  assert.equal(new OldResourceFilter(resources, false, all).shouldExclude('persistentvolumes', false), true);
  assert.equal(new OldResourceFilter(resources, true, some).shouldInclude('storageclasses.storage.k8s.io', false), true);
  assert.equal(auto(all).shouldInclude('secrets', true), false);
  assert.equal(auto(all).mentions('secrets'), true);
});

test('scoped resource filter: cluster-scoped resources only for a full backup or when listed', () => {
  const mk = (full: boolean, clusterIncludes: string[] = []): ScopedResourceFilter =>
    new ScopedResourceFilter({
      cluster: new IncludesExcludes(clusterIncludes, ['volumesnapshotcontents.snapshot.storage.k8s.io']),
      namespaced: new IncludesExcludes([], ['volumesnapshots.snapshot.storage.k8s.io']),
      fullBackup: full,
    });
  assert.equal(mk(true).shouldInclude('clusterroles.rbac.authorization.k8s.io', false), true);
  assert.equal(mk(false).shouldInclude('clusterroles.rbac.authorization.k8s.io', false), false);
  assert.equal(mk(false, ['storageclasses.storage.k8s.io']).shouldInclude('storageclasses.storage.k8s.io', false), true);
  assert.equal(mk(true).shouldInclude('volumesnapshotcontents.snapshot.storage.k8s.io', false), false);
  assert.equal(mk(false).shouldInclude('namespaces', false), true);
  assert.equal(mk(false).shouldExclude('persistentvolumes', false), false);
  assert.equal(mk(true).shouldInclude('volumesnapshots.snapshot.storage.k8s.io', true), false);
});
