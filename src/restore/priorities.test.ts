/**
 * Restore order: Velero's default priority lists (velero-behaviour.md §2.3, exact order and spelling),
 * the `--restore-resource-priorities` flag, and the tiers the engine runs.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ADMISSION_RESOURCES, CRDS, DEFAULT_HIGH_PRIORITIES, DEFAULT_LOW_PRIORITIES, parsePriorities, planTiers, type Tier } from './priorities.ts';

test('the default high priorities are Velero\'s, in order, including the singular volumesnapshotclass', () => {
  assert.deepEqual(DEFAULT_HIGH_PRIORITIES, [
    'customresourcedefinitions',
    'namespaces',
    'storageclasses',
    'volumesnapshotclass.snapshot.storage.k8s.io',
    'volumesnapshotcontents.snapshot.storage.k8s.io',
    'volumesnapshots.snapshot.storage.k8s.io',
    'datauploads.velero.io',
    'persistentvolumes',
    'persistentvolumeclaims',
    'clusterroles',
    'roles',
    'serviceaccounts',
    'clusterrolebindings',
    'rolebindings',
    'secrets',
    'configmaps',
    'limitranges',
    'priorityclasses',
    'pods',
    'replicasets.apps',
    'clusterclasses.cluster.x-k8s.io',
    'endpoints',
    'services',
  ]);
});

test('the default low priorities are Velero\'s, in order', () => {
  assert.deepEqual(DEFAULT_LOW_PRIORITIES, [
    'clusterbootstraps.run.tanzu.vmware.com',
    'clusters.cluster.x-k8s.io',
    'clusterresourcesets.addons.cluster.x-k8s.io',
    'apps.kappctrl.k14s.io',
    'packageinstalls.packaging.carvel.dev',
  ]);
});

test('parsePriorities: no flag (or an empty one) means the defaults, as copies the caller may change', () => {
  for (const text of [undefined, '', '   ']) {
    const p = parsePriorities(text);
    assert.deepEqual(p, { high: [...DEFAULT_HIGH_PRIORITIES], low: [...DEFAULT_LOW_PRIORITIES] });
    assert.notEqual(p.high, DEFAULT_HIGH_PRIORITIES);
    assert.notEqual(p.low, DEFAULT_LOW_PRIORITIES);
  }
  parsePriorities(undefined).high.push('mutated');
  assert.equal(DEFAULT_HIGH_PRIORITIES.includes('mutated'), false);
});

test('parsePriorities: a "-" element splits high from low priorities', () => {
  assert.deepEqual(parsePriorities('namespaces,pods,-,clusters.cluster.x-k8s.io,apps.kappctrl.k14s.io'), {
    high: ['namespaces', 'pods'],
    low: ['clusters.cluster.x-k8s.io', 'apps.kappctrl.k14s.io'],
  });
});

test('parsePriorities: like Velero\'s flag, a part that is not given keeps its default', () => {
  // No separator: only the high part is replaced.
  assert.deepEqual(parsePriorities('namespaces,pods'), { high: ['namespaces', 'pods'], low: [...DEFAULT_LOW_PRIORITIES] });
  // Separator last: the same.
  assert.deepEqual(parsePriorities('namespaces,pods,-'), { high: ['namespaces', 'pods'], low: [...DEFAULT_LOW_PRIORITIES] });
  // Separator first: only the low part is replaced.
  assert.deepEqual(parsePriorities('-,widgets.example.io'), { high: [...DEFAULT_HIGH_PRIORITIES], low: ['widgets.example.io'] });
  // Separator alone: nothing changes.
  assert.deepEqual(parsePriorities('-'), { high: [...DEFAULT_HIGH_PRIORITIES], low: [...DEFAULT_LOW_PRIORITIES] });
});

test('parsePriorities: blanks around entries and empty entries are dropped', () => {
  assert.deepEqual(parsePriorities(' namespaces , ,pods ,  - , widgets.example.io,'), { high: ['namespaces', 'pods'], low: ['widgets.example.io'] });
});

test('parsePriorities: more than one "-" separator is refused, as Velero refuses the flag', () => {
  assert.throws(() => parsePriorities('a,-,b,-,c'), /more than one "-"/);
  assert.throws(() => parsePriorities('-,-'), /more than one "-"/);
});

// The engine resolves priority names through discovery; these stand in for it.
const RESOLVED: Record<string, string> = {
  customresourcedefinitions: CRDS,
  storageclasses: 'storageclasses.storage.k8s.io',
  clusterroles: 'clusterroles.rbac.authorization.k8s.io',
  roles: 'roles.rbac.authorization.k8s.io',
  clusterrolebindings: 'clusterrolebindings.rbac.authorization.k8s.io',
  rolebindings: 'rolebindings.rbac.authorization.k8s.io',
  priorityclasses: 'priorityclasses.scheduling.k8s.io',
  deploy: 'deployments.apps',
};
const resolve = (name: string): string => RESOLVED[name] ?? name;
const shape = (tiers: Tier[]): Array<[string, string[]]> => tiers.map((t) => [t.kind, t.groupResources]);

test('planTiers: CRDs, namespaces, each high priority in order, the rest together (sorted), admission configuration, each low priority', () => {
  const present = [
    'widgets.example.io',
    'deployments.apps',
    'validatingwebhookconfigurations.admissionregistration.k8s.io',
    'mutatingwebhookconfigurations.admissionregistration.k8s.io',
    'clusters.cluster.x-k8s.io',
    'services',
    'pods',
    'configmaps',
    'namespaces',
    'persistentvolumes',
    'rolebindings.rbac.authorization.k8s.io',
    'roles.rbac.authorization.k8s.io',
    'apps.kappctrl.k14s.io',
    CRDS,
  ];
  const tiers = planTiers(present, parsePriorities(undefined), resolve);
  assert.deepEqual(shape(tiers), [
    ['crds', [CRDS]],
    ['namespaces', ['namespaces']],
    ['resources', ['persistentvolumes']],
    ['resources', ['roles.rbac.authorization.k8s.io']],
    ['resources', ['rolebindings.rbac.authorization.k8s.io']],
    ['resources', ['configmaps']],
    ['resources', ['pods']],
    ['resources', ['services']],
    ['resources', ['deployments.apps', 'widgets.example.io']],
    ['resources', ['mutatingwebhookconfigurations.admissionregistration.k8s.io', 'validatingwebhookconfigurations.admissionregistration.k8s.io']],
    ['resources', ['clusters.cluster.x-k8s.io']],
    ['resources', ['apps.kappctrl.k14s.io']],
  ]);
  assert.deepEqual(tiers.map((t) => t.label).slice(-4), ['other resources', 'admission configuration', 'clusters.cluster.x-k8s.io', 'apps.kappctrl.k14s.io']);
  // Every present group-resource is in exactly one tier.
  assert.deepEqual(tiers.flatMap((t) => t.groupResources).sort(), [...present].sort());
});

test('planTiers: the namespaces tier is always there (it ensures target namespaces), even for a backup without Namespace items', () => {
  assert.deepEqual(shape(planTiers([], parsePriorities(undefined), resolve)), [['namespaces', ['namespaces']]]);
  assert.deepEqual(shape(planTiers(['configmaps'], parsePriorities(undefined), resolve)), [['namespaces', ['namespaces']], ['resources', ['configmaps']]]);
});

test('planTiers: CRDs first and namespaces second whatever the user priorities say', () => {
  const tiers = planTiers(['pods', 'namespaces', CRDS, 'configmaps'], { high: ['pods', 'namespaces', 'customresourcedefinitions'], low: [] }, resolve);
  assert.deepEqual(shape(tiers), [['crds', [CRDS]], ['namespaces', ['namespaces']], ['resources', ['pods']], ['resources', ['configmaps']]]);
});

test('planTiers: priority names are resolved (short names, core names) before they are matched', () => {
  const tiers = planTiers(['deployments.apps', 'services'], { high: ['deploy'], low: [] }, resolve);
  assert.deepEqual(shape(tiers), [['namespaces', ['namespaces']], ['resources', ['deployments.apps']], ['resources', ['services']]]);
});

test('planTiers: a resource listed twice, or in both lists, gets one tier (the first one)', () => {
  const tiers = planTiers(['pods', 'services', 'secrets'], { high: ['pods', 'pods'], low: ['services', 'services', 'pods'] }, resolve);
  assert.deepEqual(shape(tiers), [['namespaces', ['namespaces']], ['resources', ['pods']], ['resources', ['secrets']], ['resources', ['services']]]);
});

test('planTiers: an admission resource the user prioritises goes where the user put it', () => {
  const webhook = ADMISSION_RESOURCES[0]!;
  const high = planTiers([webhook, 'pods'], { high: [webhook], low: [] }, resolve);
  assert.deepEqual(shape(high), [['namespaces', ['namespaces']], ['resources', [webhook]], ['resources', ['pods']]]);
  const low = planTiers([webhook, 'pods'], { high: [], low: [webhook] }, resolve);
  assert.deepEqual(shape(low), [['namespaces', ['namespaces']], ['resources', ['pods']], ['resources', [webhook]]]);
});

test('planTiers: priorities absent from the backup add no tiers; admission resources keep their list order', () => {
  const present = [...ADMISSION_RESOURCES].reverse();
  const tiers = planTiers(present, parsePriorities(undefined), resolve);
  assert.deepEqual(shape(tiers), [['namespaces', ['namespaces']], ['resources', [...ADMISSION_RESOURCES]]]);
  assert.equal(tiers[1]!.label, 'admission configuration');
});
