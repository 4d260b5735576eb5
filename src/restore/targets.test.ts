import { test } from 'node:test';
import assert from 'node:assert/strict';
import { restoreTargets, targetsOverlap } from './targets.ts';

test('targets: unnamed or wildcard namespaces mean every namespace', () => {
  assert.equal(restoreTargets(undefined), 'all');
  assert.equal(restoreTargets({ includedNamespaces: [] }), 'all');
  assert.equal(restoreTargets({ includedNamespaces: ['a', '*'] }), 'all');
});

test('targets: included namespaces after mapping', () => {
  assert.deepEqual([...(restoreTargets({ includedNamespaces: ['a', 'b'], namespaceMapping: { a: 'x' } }) as Set<string>)].sort(), ['b', 'x']);
  // A namespace called like an Object property is not mapped by accident.
  assert.deepEqual([...(restoreTargets({ includedNamespaces: ['constructor'], namespaceMapping: {} }) as Set<string>)], ['constructor']);
});

test('overlap: any shared namespace, or either restore unbounded', () => {
  const t = (...ns: string[]) => restoreTargets({ includedNamespaces: ns });
  assert.equal(targetsOverlap(t('a'), t('b')), false);
  assert.equal(targetsOverlap(t('a', 'c'), t('b', 'c')), true);
  assert.equal(targetsOverlap('all', t('b')), true);
  assert.equal(targetsOverlap(t('a'), 'all'), true);
  // Two restores of the same source mapped apart do not overlap.
  assert.equal(targetsOverlap(restoreTargets({ includedNamespaces: ['a'], namespaceMapping: { a: 'a1' } }), restoreTargets({ includedNamespaces: ['a'], namespaceMapping: { a: 'a2' } })), false);
});
