/**
 * Restores beyond the drill, each against the real control plane, MinIO and an in-process Skiff server:
 * a mapped namespace (with the references Velero rewrites), filters, a CRD with its custom resources into a
 * cluster that lacks it, and requests refused by validation.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { VeleroResources } from '../../src/api/index.ts';
import { Resources, type KubeClient, type KubeObject, type ResourceRef } from '../../src/kube/index.ts';
import { waitFor } from '../support/cluster.ts';
import { deploySampleApp } from '../support/sample-app.ts';
import { startTestServer, waitForBackup } from '../support/skiff-server.ts';
import { backUp, compareSnapshots, createRestore, deleteNamespace, restoreResourceList, snapshot, waitForRestore, type RestoreObject } from '../support/restore.ts';

const APP_RESOURCES = [Resources.configMaps, Resources.secrets, Resources.services, Resources.persistentVolumeClaims, Resources.deployments, Resources.serviceAccounts, Resources.roles, Resources.roleBindings];

/** A service account and the role binding that names it: what a namespace mapping must rewrite. */
async function addRbac(client: KubeClient, ns: string): Promise<void> {
  await client.create(Resources.serviceAccounts, { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'worker', namespace: ns } });
  await client.create(Resources.roles, {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'Role',
    metadata: { name: 'reader', namespace: ns },
    rules: [{ apiGroups: [''], resources: ['configmaps'], verbs: ['get', 'list'] }],
  } as KubeObject);
  await client.create(Resources.roleBindings, {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'RoleBinding',
    metadata: { name: 'worker-reads', namespace: ns },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'reader' },
    subjects: [
      { kind: 'ServiceAccount', name: 'worker', namespace: ns },
      { kind: 'User', apiGroup: 'rbac.authorization.k8s.io', name: 'alice' },
    ],
  } as KubeObject);
}

function cleanupNamespace(t: { after(fn: () => unknown): void }, client: KubeClient, ns: string): void {
  t.after(() => client.delete(Resources.namespaces, ns).catch(() => undefined));
}

test('restore into a mapped namespace: objects, the volume claim reference and role binding subjects follow the mapping', async (t) => {
  const s = await startTestServer(t);
  const { client } = s.cluster;
  const ns = await deploySampleApp(client, t);
  await addRbac(client, ns);
  const pv = `pv-${ns}-logs`;
  const before = await snapshot(client, APP_RESOURCES, ns, (gr, o) => !(gr === 'serviceaccounts' && o.metadata.name === 'default'));
  await backUp(s, 'mapped', { includedNamespaces: [ns] });
  await deleteNamespace(client, ns);
  await client.delete(Resources.persistentVolumes, pv);
  await waitFor(async () => !(await client.getIfExists(Resources.persistentVolumes, pv)), { what: 'the PV to be gone' });

  const target = `${ns}-copy`;
  cleanupNamespace(t, client, target);
  const restore = await createRestore(client, s.namespace, 'mapped-restore', { backupName: 'mapped', namespaceMapping: { [ns]: target } });
  assert.equal(restore.status?.phase, 'Completed', JSON.stringify(restore.status));
  assert.equal(await client.getIfExists(Resources.namespaces, ns), undefined, 'the source namespace is not recreated');
  const after = await snapshot(client, APP_RESOURCES, target);
  // The subject's namespace differs by design; it is checked below.
  const diffs = compareSnapshots(before, after, (key) => key.replace(`|${ns}/`, `|${target}/`));
  assert.deepEqual(diffs, [`rolebindings.rbac.authorization.k8s.io|${ns}/worker-reads: subjects[0].namespace`]);
  const volume = await client.get(Resources.persistentVolumes, pv);
  assert.equal((volume.spec as { claimRef?: { namespace?: string } }).claimRef?.namespace, target);
  await waitFor(async () => ((await client.get(Resources.persistentVolumeClaims, 'nginx-logs', { namespace: target })).status as { phase?: string })?.phase === 'Bound', {
    what: 'the mapped claim to bind to the restored volume',
  });
  const binding = await client.get(Resources.roleBindings, 'worker-reads', { namespace: target });
  assert.deepEqual((binding as unknown as { subjects: unknown[] }).subjects, [
    { kind: 'ServiceAccount', name: 'worker', namespace: target },
    { kind: 'User', apiGroup: 'rbac.authorization.k8s.io', name: 'alice' },
  ]);
  const list = await restoreResourceList(s, 'mapped-restore');
  assert.deepEqual(list['v1/Namespace'], [`${target}(created)`]);
  assert.deepEqual(list['v1/ConfigMap']?.filter((e) => e.includes('nginx-conf')), [`${target}/nginx-conf(created)`]);
});

test('restore filters: included resources only, excluded resources, and a label selector', async (t) => {
  const s = await startTestServer(t);
  const { client } = s.cluster;
  const ns = await deploySampleApp(client, t);
  await client.create(Resources.configMaps, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'tier-gold', namespace: ns, labels: { tier: 'gold' } }, data: { a: '1' } });
  await backUp(s, 'filters', { includedNamespaces: [ns] });
  const names = async (ref: ResourceRef, namespace: string): Promise<string[]> => (await client.list(ref, { namespace })).items.map((o) => o.metadata.name ?? '').sort();

  const only = `${ns}-only`;
  cleanupNamespace(t, client, only);
  const r1 = await createRestore(client, s.namespace, 'only-config', { backupName: 'filters', includedResources: ['configmaps', 'secrets'], namespaceMapping: { [ns]: only } });
  assert.equal(r1.status?.phase, 'Completed', JSON.stringify(r1.status));
  assert.deepEqual(await names(Resources.configMaps, only), ['kube-root-ca.crt', 'nginx-conf', 'tier-gold']);
  assert.deepEqual(await names(Resources.secrets, only), ['nginx-tls']);
  assert.deepEqual(await names(Resources.deployments, only), []);
  assert.deepEqual(await names(Resources.services, only), []);
  assert.deepEqual(Object.keys(await restoreResourceList(s, 'only-config')).sort(), ['v1/ConfigMap', 'v1/Namespace', 'v1/Secret']);

  const excluded = `${ns}-ex`;
  cleanupNamespace(t, client, excluded);
  const r2 = await createRestore(client, s.namespace, 'no-secrets', {
    backupName: 'filters',
    excludedResources: ['secrets', 'persistentvolumeclaims', 'persistentvolumes', 'pods', 'replicasets'],
    namespaceMapping: { [ns]: excluded },
  });
  assert.equal(r2.status?.phase, 'Completed', JSON.stringify(r2.status));
  assert.deepEqual(await names(Resources.secrets, excluded), []);
  assert.deepEqual(await names(Resources.deployments, excluded), ['nginx-deployment']);
  assert.deepEqual(await names(Resources.services, excluded), ['my-nginx']);

  const labelled = `${ns}-gold`;
  cleanupNamespace(t, client, labelled);
  const r3 = await createRestore(client, s.namespace, 'gold', { backupName: 'filters', labelSelector: { matchLabels: { tier: 'gold' } }, namespaceMapping: { [ns]: labelled } });
  assert.equal(r3.status?.phase, 'Completed', JSON.stringify(r3.status));
  assert.deepEqual(await names(Resources.configMaps, labelled), ['kube-root-ca.crt', 'tier-gold']);
  assert.deepEqual(await names(Resources.deployments, labelled), []);
  assert.deepEqual(Object.keys(await restoreResourceList(s, 'gold')).sort(), ['v1/ConfigMap', 'v1/Namespace']);
});

function gizmoCrd(group: string): KubeObject {
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: `gizmos.${group}` },
    spec: {
      group,
      scope: 'Namespaced',
      names: { plural: 'gizmos', singular: 'gizmo', kind: 'Gizmo', listKind: 'GizmoList' },
      versions: [
        {
          name: 'v1',
          served: true,
          storage: true,
          schema: { openAPIV3Schema: { type: 'object', properties: { spec: { type: 'object', properties: { size: { type: 'integer' }, colour: { type: 'string' } } } } } },
        },
      ],
    },
  } as KubeObject;
}

test('a CRD and its custom resources restore into a cluster that lacks the CRD: the CRD first, Established, then its objects', async (t) => {
  const s = await startTestServer(t);
  const { client } = s.cluster;
  const group = `g${randomBytes(3).toString('hex')}.skiff.test`;
  const crd = gizmoCrd(group);
  const crdName = crd.metadata.name!;
  await client.create(Resources.customResourceDefinitions, crd);
  t.after(() => client.delete(Resources.customResourceDefinitions, crdName).catch(() => undefined));
  const gizmos: ResourceRef = { group, version: 'v1', resource: 'gizmos', namespaced: true };
  await waitFor(async () => {
    const c = await client.get(Resources.customResourceDefinitions, crdName);
    return ((c.status as { conditions?: { type: string; status: string }[] })?.conditions ?? []).some((x) => x.type === 'Established' && x.status === 'True');
  }, { what: 'the CRD to be Established' });
  const ns = `crd-${randomBytes(3).toString('hex')}`;
  await client.create(Resources.namespaces, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
  cleanupNamespace(t, client, ns);
  await waitFor(async () => {
    try {
      await client.list(gizmos, { namespace: ns });
      return true;
    } catch {
      return false;
    }
  }, { what: 'the custom resource to be served' });
  for (let i = 0; i < 5; i++) {
    await client.create(gizmos, { apiVersion: `${group}/v1`, kind: 'Gizmo', metadata: { name: `g-${i}`, namespace: ns, labels: { n: String(i) } }, spec: { size: i, colour: 'teal' } } as KubeObject);
  }
  const before = await snapshot(client, [gizmos], ns);
  await backUp(s, 'crds', { includedNamespaces: [ns] });
  await deleteNamespace(client, ns);
  await client.delete(Resources.customResourceDefinitions, crdName);
  await waitFor(async () => !(await client.getIfExists(Resources.customResourceDefinitions, crdName)), { what: 'the CRD to be gone' });

  const restore = await createRestore(client, s.namespace, 'crds-restore', { backupName: 'crds' });
  assert.equal(restore.status?.phase, 'Completed', JSON.stringify(restore.status));
  assert.equal(restore.status?.errors ?? 0, 0);
  const after = await snapshot(client, [gizmos], ns);
  assert.equal(after.size, 5);
  assert.deepEqual(compareSnapshots(before, after), []);
  const list = await restoreResourceList(s, 'crds-restore');
  assert.deepEqual(list['apiextensions.k8s.io/v1/CustomResourceDefinition'], [`${crdName}(created)`]);
  assert.equal(list[`${group}/v1/Gizmo`]?.length, 5);
});

test('requests that cannot be honoured fail validation, naming the field, and create nothing', async (t) => {
  const s = await startTestServer(t);
  const { client } = s.cluster;
  const ns = `val-${randomBytes(3).toString('hex')}`;
  await client.create(Resources.namespaces, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
  cleanupNamespace(t, client, ns);
  await client.create(Resources.configMaps, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'one', namespace: ns }, data: { a: '1' } });
  await backUp(s, 'val', { includedNamespaces: [ns] });
  const cases: [string, Record<string, unknown>, RegExp][] = [
    ['missing-backup', { backupName: 'no-such-backup' }, /backup.*no-such-backup/i],
    ['no-source', {}, /backupName|scheduleName/],
    ['both-selectors', { backupName: 'val', labelSelector: { matchLabels: { a: 'b' } }, orLabelSelectors: [{ matchLabels: { c: 'd' } }] }, /labelSelector|orLabelSelectors/],
    ['bad-policy', { backupName: 'val', existingResourcePolicy: 'overwrite' }, /existingResourcePolicy/],
    ['bad-mapping', { backupName: 'val', namespaceMapping: { [ns]: 'Not_A_Name' } }, /namespaceMapping/],
    ['both-lists', { backupName: 'val', includedNamespaces: [ns], excludedNamespaces: [ns] }, /namespace/i],
    ['non-restorable', { backupName: 'val', includedResources: ['backups.velero.io'] }, /backups\.velero\.io|non-restorable/i],
  ];
  for (const [name, spec, pattern] of cases) {
    const r = await createRestore(client, s.namespace, `v-${name}`, spec);
    const errors = ((r.status as { validationErrors?: string[] })?.validationErrors ?? []).join('; ');
    assert.equal(r.status?.phase, 'FailedValidation', `${name}: ${JSON.stringify(r.status)}`);
    assert.match(errors, pattern, `${name}: ${errors}`);
  }
  // Nothing was restored by any of them: the one ConfigMap still has no restore label.
  const cm = await client.get(Resources.configMaps, 'one', { namespace: ns });
  assert.equal(cm.metadata.labels?.['velero.io/restore-name'], undefined);
});

test('a namespace still Terminating when the restore starts is waited for, then created anew', async (t) => {
  const s = await startTestServer(t);
  const { client } = s.cluster;
  const ns = `term-${randomBytes(3).toString('hex')}`;
  await client.create(Resources.namespaces, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
  const release = (): Promise<unknown> =>
    client.patch(Resources.configMaps, 'held', 'merge', { metadata: { finalizers: null } } as unknown as KubeObject, { namespace: ns }).catch(() => undefined);
  t.after(async () => {
    await release();
    await client.delete(Resources.namespaces, ns).catch(() => undefined);
  });
  // A finalizer nobody removes keeps the namespace Terminating for as long as the test wants.
  await client.create(Resources.configMaps, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'held', namespace: ns, finalizers: ['skiff.test/hold'] }, data: { a: '1' } });
  await backUp(s, 'term', { includedNamespaces: [ns] });
  await client.delete(Resources.namespaces, ns);
  await waitFor(async () => (await client.get(Resources.namespaces, ns)).metadata.deletionTimestamp !== undefined, { what: 'the namespace to be Terminating' });

  await client.create(VeleroResources.restores, { apiVersion: 'velero.io/v1', kind: 'Restore', metadata: { name: 'term-restore', namespace: s.namespace }, spec: { backupName: 'term' } });
  await waitFor(async () => (await client.get<RestoreObject>(VeleroResources.restores, 'term-restore', { namespace: s.namespace })).status?.phase === 'InProgress', { what: 'the restore to start' });
  await new Promise((r) => setTimeout(r, 2000));
  const waiting = await client.get<RestoreObject>(VeleroResources.restores, 'term-restore', { namespace: s.namespace });
  assert.equal(waiting.status?.phase, 'InProgress', 'the restore waits while the namespace terminates');
  assert.ok((await client.get(Resources.namespaces, ns)).metadata.deletionTimestamp, 'still the old, terminating namespace');

  await release();
  const done = await waitForRestore(client, s.namespace, 'term-restore');
  assert.equal(done.status?.phase, 'Completed', JSON.stringify(done.status));
  const namespace = await client.get(Resources.namespaces, ns);
  assert.equal(namespace.metadata.deletionTimestamp, undefined, 'a new namespace');
  const held = await client.get(Resources.configMaps, 'held', { namespace: ns });
  assert.equal(held.metadata.labels?.['velero.io/restore-name'], 'term-restore');
  assert.deepEqual((await restoreResourceList(s, 'term-restore'))['v1/Namespace'], [`${ns}(created)`]);
});

test('restore from a schedule: the newest Completed backup carrying its label is restored', async (t) => {
  const s = await startTestServer(t);
  const { client } = s.cluster;
  const ns = `sched-${randomBytes(3).toString('hex')}`;
  await client.create(Resources.namespaces, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
  cleanupNamespace(t, client, ns);
  for (const [name, value] of [['nightly-1', 'old'], ['nightly-2', 'new']] as const) {
    await client.patch(Resources.configMaps, 'state', 'apply', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'state', namespace: ns }, data: { v: value } } as KubeObject, { namespace: ns, fieldManager: 'test', force: true });
    await client.create(VeleroResources.backups, { apiVersion: 'velero.io/v1', kind: 'Backup', metadata: { name, namespace: s.namespace, labels: { 'velero.io/schedule-name': 'nightly' } }, spec: { includedNamespaces: [ns] } });
    assert.equal((await waitForBackup(client, s.namespace, name)).status?.phase, 'Completed');
    // Start times have one-second resolution: the second backup must start in a later second to be newer.
    await new Promise((r) => setTimeout(r, 1100));
  }
  await backUp(s, 'unrelated', { includedNamespaces: [ns] });
  await deleteNamespace(client, ns);
  const restore = await createRestore(client, s.namespace, 'from-schedule', { scheduleName: 'nightly' });
  assert.equal(restore.status?.phase, 'Completed', JSON.stringify(restore.status));
  assert.equal((restore.spec as { backupName?: string }).backupName, 'nightly-2');
  assert.equal(((await client.get(Resources.configMaps, 'state', { namespace: ns })).data as Record<string, string>).v, 'new');
  const none = await createRestore(client, s.namespace, 'from-nothing', { scheduleName: 'weekly' });
  assert.equal(none.status?.phase, 'FailedValidation');
});
