/** Unit tests for archive/paths: the item layout Velero writes and the way entry paths are read back. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ArchiveError } from './errors.ts';
import { itemPaths, parseEntryPath, safeEntryPath } from './paths.ts';

const isReason = (reason: string) => (err: unknown) => err instanceof ArchiveError && err.reason === reason;

describe('itemPaths', () => {
  it('writes a preferred item at the legacy path and under <version>-preferredversion', () => {
    assert.deepEqual(itemPaths({ groupResource: 'deployments.apps', namespace: 'ns', name: 'web', version: 'v1', preferred: true }), [
      'resources/deployments.apps/namespaces/ns/web.json',
      'resources/deployments.apps/v1-preferredversion/namespaces/ns/web.json',
    ]);
    assert.deepEqual(itemPaths({ groupResource: 'persistentvolumes', name: 'pv', version: 'v1', preferred: true }), [
      'resources/persistentvolumes/cluster/pv.json',
      'resources/persistentvolumes/v1-preferredversion/cluster/pv.json',
    ]);
  });

  it('writes a non-preferred item only under its version; an empty namespace means cluster-scoped', () => {
    assert.deepEqual(itemPaths({ groupResource: 'hpa.autoscaling', namespace: 'ns', name: 'h', version: 'v2beta2', preferred: false }), [
      'resources/hpa.autoscaling/v2beta2/namespaces/ns/h.json',
    ]);
    assert.deepEqual(itemPaths({ groupResource: 'nodes', namespace: '', name: 'n', version: 'v1', preferred: false }), ['resources/nodes/v1/cluster/n.json']);
  });

  it('refuses parts that are empty, hold a separator or climb, with reason InvalidItem', () => {
    const base = { groupResource: 'pods', namespace: 'ns', name: 'p', version: 'v1', preferred: true };
    for (const bad of [
      { name: '' }, { name: 'a/b' }, { name: '..' }, { name: '.' }, { name: 'a\\b' }, { name: 'a\u0000' },
      { namespace: '../x' }, { groupResource: '' }, { groupResource: 'a/b' }, { version: '' }, { version: 'cluster' },
      { version: 'namespaces' }, { name: 42 as unknown as string },
    ]) {
      assert.throws(() => itemPaths({ ...base, ...bad }), isReason('InvalidItem'), JSON.stringify(bad));
    }
  });

  it('reads back what it writes', () => {
    const [legacy, preferred] = itemPaths({ groupResource: 'widgets.x.io', namespace: 'ns', name: 'w', version: 'v1alpha1', preferred: true });
    assert.deepEqual(parseEntryPath(legacy!), {
      kind: 'item', groupResource: 'widgets.x.io', versionDir: undefined, version: undefined, preferred: true, scope: 'namespaced', namespace: 'ns', name: 'w',
    });
    assert.deepEqual(parseEntryPath(preferred!), {
      kind: 'item', groupResource: 'widgets.x.io', versionDir: 'v1alpha1-preferredversion', version: 'v1alpha1', preferred: true, scope: 'namespaced', namespace: 'ns', name: 'w',
    });
  });
});

describe('parseEntryPath', () => {
  it('classifies item paths in every layout', () => {
    assert.deepEqual(parseEntryPath('resources/namespaces/cluster/ns.json'), {
      kind: 'item', groupResource: 'namespaces', versionDir: undefined, version: undefined, preferred: true, scope: 'cluster', namespace: undefined, name: 'ns',
    });
    assert.deepEqual(parseEntryPath('resources/nodes/v1beta1/cluster/n.json'), {
      kind: 'item', groupResource: 'nodes', versionDir: 'v1beta1', version: 'v1beta1', preferred: false, scope: 'cluster', namespace: undefined, name: 'n',
    });
    assert.equal(parseEntryPath('resources/pods/namespaces/ns/a.b.json').kind, 'item');
    assert.deepEqual(parseEntryPath('metadata/version'), { kind: 'version' });
  });

  it('ignores what Velero would not read, with a reason', () => {
    for (const path of [
      'metadata/other', 'README', 'plugins/x.json', 'resources', 'resources/pods', 'resources/pods/cluster',
      'resources/pods/cluster/a.yaml', 'resources/pods/cluster/.json', 'resources/pods/namespaces/ns', 'resources/pods/cluster/x/y.json',
      'resources/pods/namespaces/ns/x/y.json', 'resources/pods/v1/other/x.json', 'resources/pods/-preferredversion/cluster/x.json',
    ]) {
      const parsed = parseEntryPath(path);
      assert.equal(parsed.kind, 'ignored', path);
      assert.ok(parsed.kind === 'ignored' && parsed.reason.length > 0);
    }
  });
});

describe('safeEntryPath', () => {
  it('normalises ./ prefixes and a directory slash', () => {
    assert.equal(safeEntryPath('./resources/pods/'), 'resources/pods');
    assert.equal(safeEntryPath('./'), '');
    assert.equal(safeEntryPath('metadata/version'), 'metadata/version');
  });

  it('refuses absolute paths, climbing, backslashes, NUL and empty segments, naming the entry', () => {
    for (const bad of ['/etc/passwd', '../x', 'resources/../../etc/passwd', 'a/..', 'a\\b', 'C:\\x', 'a\u0000b', 'a//b', 'a/./b']) {
      assert.throws(() => safeEntryPath(bad), (err: unknown) => isReason('UnsafePath')(err) && (err as ArchiveError).entry === bad, bad);
    }
  });
});
