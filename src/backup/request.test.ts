/** Backup validation and defaulting: Velero's rules, with errors that name the field. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Discovery, KubeObject, ResourceInfo } from '../kube/index.ts';
import { prepareBackup, type PrepareContext } from './request.ts';
import type { BackupLike, LocationLike } from './types.ts';

const info = (group: string, resource: string, kind: string, namespaced: boolean, shortNames: string[] = []): ResourceInfo => ({
  group, version: 'v1', resource, kind, namespaced, singular: kind.toLowerCase(), verbs: ['list', 'create', 'get', 'delete'], shortNames, categories: [], subresources: [], preferred: true,
});
const RESOURCES = [info('', 'pods', 'Pod', true, ['po']), info('apps', 'deployments', 'Deployment', true, ['deploy']), info('', 'persistentvolumes', 'PersistentVolume', false, ['pv'])];
/** Only find() is needed by the request builder; a stand-in keeps this a unit test of pure rules. */
const discovery = {
  find: (q: string) => RESOURCES.find((r) => [r.resource, r.singular, r.kind.toLowerCase(), ...r.shortNames, `${r.resource}.${r.group}`].includes(q.toLowerCase())),
} as unknown as Discovery;

const bsl = (name: string, extra: Partial<LocationLike['spec']> = {}, phase = 'Available'): LocationLike => ({
  metadata: { name, namespace: 'velero' }, spec: { provider: 'aws', objectStorage: { bucket: 'b' }, ...extra }, status: { phase },
});
const ns = (name: string, labels: Record<string, string> = {}): KubeObject => ({ metadata: { name, labels } });
const NOW = new Date('2026-11-21T10:00:00Z');
function ctx(extra: Partial<PrepareContext> = {}): PrepareContext {
  return { locations: [bsl('default')], discovery, namespaces: [ns('a'), ns('b'), ns('skip-me', { 'velero.io/exclude-from-backup': 'true' })], serverVersion: { gitVersion: 'v1.34.4', major: '1', minor: '34' }, now: NOW, ...extra };
}
const backup = (spec: BackupLike['spec'] = {}): BackupLike => ({ apiVersion: 'velero.io/v1', kind: 'Backup', metadata: { name: 'b1', namespace: 'velero' }, spec });

test('defaults as Velero does: TTL, timeouts, namespaces, location, labels, annotations, auto-excludes, status', () => {
  const p = prepareBackup(backup(), ctx());
  assert.ok(p.ok, JSON.stringify(p));
  const s = p.backup.spec!;
  assert.deepEqual([s.ttl, s.csiSnapshotTimeout, s.itemOperationTimeout, s.volumeGroupSnapshotLabelKey], ['720h0m0s', '10m0s', '4h0m0s', 'velero.io/volume-group']);
  assert.deepEqual(s.includedNamespaces, ['*']);
  assert.deepEqual(s.excludedNamespaces, ['skip-me'], 'namespaces labelled exclude-from-backup are excluded');
  assert.equal(s.storageLocation, 'default');
  assert.deepEqual([s.defaultVolumesToFsBackup, s.snapshotMoveData], [false, false]);
  assert.deepEqual(s.excludedClusterScopedResources, ['volumesnapshotcontents.snapshot.storage.k8s.io']);
  assert.deepEqual(s.excludedNamespaceScopedResources, ['volumesnapshots.snapshot.storage.k8s.io']);
  assert.equal(p.backup.metadata.labels?.['velero.io/storage-location'], 'default');
  assert.equal(p.backup.metadata.annotations?.['velero.io/source-cluster-k8s-gitversion'], 'v1.34.4');
  assert.equal(p.backup.metadata.annotations?.['velero.io/resource-timeout'], '10m0s');
  assert.deepEqual([p.backup.status?.version, p.backup.status?.formatVersion, p.backup.status?.expiration], [1, '1.1.0', '2026-12-21T10:00:00Z']);
  assert.equal(p.request.resources.shouldInclude('persistentvolumes', false), true, 'a plain backup is a full backup: cluster-scoped resources included');
});

test('the default location is the one marked default, else the server default name', () => {
  const p = prepareBackup(backup(), ctx({ locations: [bsl('default'), bsl('primary', { default: true })] }));
  assert.ok(p.ok);
  assert.equal(p.backup.spec!.storageLocation, 'primary');
});

test('every validation error is reported at once, naming its field', () => {
  const p = prepareBackup(
    backup({
      ttl: 'forever',
      includedNamespaces: ['a', '*'],
      excludedNamespaces: ['a', 'BAD_NS', 'x**'],
      includedResources: ['pods'],
      includedClusterScopedResources: ['storageclasses'],
      labelSelector: { matchLabels: { a: 'b' } },
      orLabelSelectors: [{ matchLabels: { c: 'd' } }],
      storageLocation: 'missing',
      hooks: { resources: [{ name: 'h' }] },
    }),
    ctx(),
  );
  assert.equal(p.ok, false);
  const errors = p.ok ? [] : p.errors;
  for (const expected of [/^spec\.ttl: "forever"/, /spec\.includedNamespaces: "\*" must be the only entry/, /"a" is both included and excluded/, /"BAD_NS" is not a valid namespace/, /"x\*\*" is not a valid pattern/, /cannot be combined/, /spec\.labelSelector, spec\.orLabelSelectors/, /storage location "missing" does not exist/, /spec\.hooks\.resources/]) {
    assert.ok(errors.some((e) => expected.test(e)), `${expected} in ${JSON.stringify(errors, null, 1)}`);
  }
});

test('a read-only or unavailable location refuses new backups', () => {
  const ro = prepareBackup(backup(), ctx({ locations: [bsl('default', { accessMode: 'ReadOnly' })] }));
  assert.ok(!ro.ok && ro.errors.some((e) => /read-only/.test(e)));
  const down = prepareBackup(backup(), ctx({ locations: [{ ...bsl('default', {}, 'Unavailable'), status: { phase: 'Unavailable', message: 'bucket gone' } }] }));
  assert.ok(!down.ok && down.errors.some((e) => /is Unavailable: bucket gone/.test(e)));
});

test('resource names resolve through discovery (short names, kinds) before filtering', () => {
  const p = prepareBackup(backup({ includedNamespaceScopedResources: ['deploy', 'Pod'], excludedClusterScopedResources: ['pv'] }), ctx());
  assert.ok(p.ok);
  assert.equal(p.request.resources.shouldInclude('deployments.apps', true), true);
  assert.equal(p.request.resources.shouldInclude('pods', true), true);
  assert.equal(p.request.resources.shouldInclude('secrets', true), false);
  assert.equal(p.request.resources.shouldExclude('persistentvolumes', false), true);
});

test('features this version cannot honour fail validation instead of being ignored', () => {
  const p = prepareBackup(backup({ defaultVolumesToFsBackup: true, snapshotMoveData: true }), ctx());
  assert.ok(!p.ok);
  assert.ok(p.errors.some((e) => e.startsWith('spec.defaultVolumesToFsBackup')));
  assert.ok(p.errors.some((e) => e.startsWith('spec.snapshotMoveData')));
});

test('label selectors the API server would refuse fail validation, naming the field', () => {
  const p = prepareBackup(backup({ labelSelector: { matchLabels: { 'bad key': 'x', ok: 'not ok!' }, matchExpressions: [{ key: 'a', operator: 'In' as const, values: [] }, { key: 'b', operator: 'Sideways' as never }] } }), ctx());
  assert.ok(!p.ok);
  for (const expected of [/spec\.labelSelector\.matchLabels: "bad key" is not a valid label key/, /matchLabels\["ok"\]: "not ok!"/, /matchExpressions\[0\]\.values: the In operator needs at least one value/, /matchExpressions\[1\]\.operator/]) {
    assert.ok(p.errors.some((e) => expected.test(e)), `${expected} in ${JSON.stringify(p.errors)}`);
  }
  const or = prepareBackup(backup({ orLabelSelectors: [{ matchLabels: { ok: 'yes' } }, { matchLabels: { '-x': 'y' } }] }), ctx());
  assert.ok(!or.ok && or.errors.some((e) => e.startsWith('spec.orLabelSelectors[1].matchLabels')));
});
