/**
 * Backups end to end: a Backup object → the Skiff server → the real API server → MinIO, checked with an
 * independent tar reader against the live objects, and every file of Velero's layout in the bucket.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { VeleroResources } from '../../src/api/index.ts';
import { Resources, type KubeObject } from '../../src/kube/index.ts';
import { listTarGz } from '../support/independent-tar.ts';
import { waitFor } from '../support/cluster.ts';
import { deploySampleApp } from '../support/sample-app.ts';
import { startTestServer, waitForBackup, type TestServer } from '../support/skiff-server.ts';

async function createBackup(s: TestServer, name: string, spec: Record<string, unknown>): Promise<KubeObject & { status?: Record<string, unknown> }> {
  await s.cluster.client.create(VeleroResources.backups, { apiVersion: 'velero.io/v1', kind: 'Backup', metadata: { name, namespace: s.namespace }, spec });
  return waitForBackup(s.cluster.client, s.namespace, name);
}

/** The tarball's items as `gr|ns/name` keys, read with the independent reader (not the production one). */
async function tarballItems(s: TestServer, name: string): Promise<{ keys: Set<string>; entries: ReturnType<typeof listTarGz> }> {
  const chunks: Buffer[] = [];
  for await (const c of (await s.store.getBackupContents(name)) as Readable) chunks.push(c as Buffer);
  const entries = listTarGz(Buffer.concat(chunks));
  const keys = new Set<string>();
  for (const e of entries) {
    const m = /^resources\/([^/]+)\/(?:namespaces\/([^/]+)|cluster)\/([^/]+)\.json$/.exec(e.path);
    if (m) keys.add(`${m[1]}|${m[2] ? `${m[2]}/` : ''}${m[3]}`);
  }
  return { keys, entries };
}

test('the nginx example: Completed, every file of the layout, and a tarball equal to the live objects', async (t) => {
  const s = await startTestServer(t);
  const { client } = s.cluster;
  const ns = await deploySampleApp(client, t);
  const backup = await createBackup(s, 'nginx-backup', { includedNamespaces: [ns], labelSelector: { matchLabels: { app: 'nginx' } } });
  assert.equal(backup.status?.phase, 'Completed', JSON.stringify(backup.status));
  for (const suffix of ['velero-backup.json', 'nginx-backup.tar.gz', 'nginx-backup-logs.gz', 'nginx-backup-resource-list.json.gz', 'nginx-backup-results.gz', 'nginx-backup-volumeinfo.json.gz', 'nginx-backup-podvolumebackups.json.gz', 'nginx-backup-volumesnapshots.json.gz', 'nginx-backup-itemoperations.json.gz']) {
    assert.ok(await objectExists(s, `backups/nginx-backup/${suffix}`), suffix);
  }
  const meta = await s.store.getBackupMetadata('nginx-backup');
  assert.equal(meta.status?.phase, 'Completed');
  assert.equal(meta.metadata?.uid, backup.metadata.uid);

  const { keys, entries } = await tarballItems(s, 'nginx-backup');
  assert.equal(entries[0]!.path, 'metadata/version');
  assert.equal(entries[0]!.body.toString(), '1.1.0\n');
  const expected = new Set<string>([`namespaces|${ns}`, `persistentvolumes|pv-${ns}-logs`]);
  for (const [gr, ref] of [['configmaps', Resources.configMaps], ['secrets', Resources.secrets], ['services', Resources.services], ['persistentvolumeclaims', Resources.persistentVolumeClaims], ['pods', Resources.pods], ['deployments.apps', Resources.deployments], ['replicasets.apps', Resources.replicaSets]] as const) {
    for (const o of (await client.list(ref, { namespace: ns, labelSelector: 'app=nginx' })).items) expected.add(`${gr}|${ns}/${o.metadata.name}`);
  }
  for (const k of expected) assert.ok(keys.has(k), `${k} in the tarball`);
  for (const k of keys) assert.ok(expected.has(k) || k.startsWith('endpoints|') || k.startsWith('endpointslices.discovery.k8s.io|'), `${k} was expected`);
  // Every preferred-version item is written twice, byte for byte.
  for (const e of entries.filter((x) => x.path.includes('/v1-preferredversion/'))) {
    const legacy = entries.find((x) => x.path === e.path.replace('/v1-preferredversion/', '/'));
    assert.ok(legacy && legacy.body.equals(e.body), e.path);
  }
  // What was stored is what the API server held (same uid; JSON keys sorted as Go writes them).
  const deployment = JSON.parse(entries.find((e) => e.path === `resources/deployments.apps/namespaces/${ns}/nginx-deployment.json`)!.body.toString());
  assert.equal(deployment.metadata.uid, (await client.get(Resources.deployments, 'nginx-deployment', { namespace: ns })).metadata.uid);
  assert.deepEqual(Object.keys(deployment), [...Object.keys(deployment)].sort());

  // Every item carries apiVersion and kind, as every item real Velero writes does (Velero cannot restore without them).
  const { readFileSync } = await import('node:fs');
  const { VELERO_BUCKET_DIR } = await import('../fixtures/velero-bucket.ts');
  const velero = listTarGz(readFileSync(`${VELERO_BUCKET_DIR}backups/nginx-backup/nginx-backup.tar.gz`));
  for (const [who, list] of [['velero', velero], ['skiff', entries]] as const) {
    for (const e of list.filter((x) => x.path.startsWith('resources/'))) {
      const obj = JSON.parse(e.body.toString()) as { apiVersion?: string; kind?: string };
      const gr = e.path.split('/')[1]!;
      const group = gr.includes('.') ? gr.slice(gr.indexOf('.') + 1) : '';
      assert.ok(obj.kind && obj.apiVersion, `${who}: ${e.path} has apiVersion and kind`);
      assert.equal(obj.apiVersion.includes('/') ? obj.apiVersion.split('/')[0] : '', group, `${who}: ${e.path} apiVersion ${obj.apiVersion}`);
    }
  }

  const list = await s.store.getBackupSidecar('nginx-backup', 'resourceList');
  assert.equal(Object.values(list ?? {}).flat().length, backup.status?.progress && (backup.status.progress as { itemsBackedUp: number }).itemsBackedUp);
  assert.deepEqual(await s.store.getBackupSidecar('nginx-backup', 'results'), { errors: {}, warnings: {} });
  const log = await readAll(await s.store.getBackupLog('nginx-backup'));
  assert.match(log, /level=info msg="Backed up item" backup=.*nginx-backup resource=deployments\.apps/);
});

test('filter matrix: namespace globs, resource and scoped filters, or-selectors and the exclude label select exactly what they should', async (t) => {
  const s = await startTestServer(t);
  const { client } = s.cluster;
  const r = randomBytes(3).toString('hex');
  const [a, b, c] = [`fm-a-${r}`, `fm-b-${r}`, `fm-c-${r}`];
  const web = `web-${r}`;
  const db = `db-${r}`;
  for (const ns of [a, b, c]) {
    await client.create(Resources.namespaces, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns, labels: ns === c ? { 'velero.io/exclude-from-backup': 'true' } : {} } });
    t.after(() => client.delete(Resources.namespaces, ns).catch(() => undefined));
  }
  const cm = (ns: string, name: string, labels: Record<string, string> = {}): Promise<unknown> => client.create(Resources.configMaps, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: ns, labels } });
  await cm(a, 'a1', { tier: web });
  await cm(a, 'a2', { tier: db });
  await client.create(Resources.secrets, { apiVersion: 'v1', kind: 'Secret', metadata: { name: 's1', namespace: a }, stringData: { k: 'v' } });
  await cm(b, 'b1', { tier: web });
  await cm(b, 'skipped', { tier: web, 'velero.io/exclude-from-backup': 'true' });
  await cm(c, 'c1', { tier: web });
  const roles = { group: 'rbac.authorization.k8s.io', version: 'v1', resource: 'clusterroles', namespaced: false };
  await client.create(roles, { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: `fm-role-${r}`, labels: { tier: web } }, rules: [] });
  t.after(() => client.delete(roles, `fm-role-${r}`).catch(() => undefined));
  await waitFor(async () => (await client.getIfExists(Resources.configMaps, 'kube-root-ca.crt', { namespace: b })) !== undefined, { what: 'kube-root-ca.crt' });

  const cases: Array<{ name: string; spec: Record<string, unknown>; expect: string[]; only?: (k: string) => boolean }> = [
    {
      name: 'glob-namespaces',
      spec: { includedNamespaces: [`fm-*-${r}`], labelSelector: { matchLabels: { tier: web } } },
      expect: [`configmaps|${a}/a1`, `configmaps|${b}/b1`, `namespaces|${a}`, `namespaces|${b}`],
    },
    { name: 'old-include-resources', spec: { includedNamespaces: [a], includedResources: ['cm'] }, expect: [`configmaps|${a}/a1`, `configmaps|${a}/a2`, `configmaps|${a}/kube-root-ca.crt`] },
    {
      name: 'scoped-exclude-secrets',
      spec: { includedNamespaces: [a], excludedNamespaceScopedResources: ['secrets', 'serviceaccounts'] },
      expect: [`configmaps|${a}/a1`, `configmaps|${a}/a2`, `configmaps|${a}/kube-root-ca.crt`, `namespaces|${a}`],
    },
    {
      name: 'or-selectors',
      spec: { includedNamespaces: [a, b], orLabelSelectors: [{ matchLabels: { tier: web } }, { matchLabels: { tier: db } }] },
      expect: [`configmaps|${a}/a1`, `configmaps|${a}/a2`, `configmaps|${b}/b1`, `namespaces|${a}`, `namespaces|${b}`],
    },
    {
      name: 'scoped-cluster-include',
      spec: { includedNamespaces: [a], includedClusterScopedResources: ['clusterroles'], labelSelector: { matchLabels: { tier: web } } },
      expect: [`configmaps|${a}/a1`, `clusterroles.rbac.authorization.k8s.io|fm-role-${r}`, `namespaces|${a}`],
    },
    {
      name: 'old-include-cluster-resources',
      spec: { includedNamespaces: [a], includeClusterResources: true, labelSelector: { matchLabels: { tier: web } } },
      expect: [`configmaps|${a}/a1`, `clusterroles.rbac.authorization.k8s.io|fm-role-${r}`, `namespaces|${a}`],
    },
    {
      name: 'all-namespaces-label',
      spec: { labelSelector: { matchLabels: { tier: web } } },
      // A full backup: the labelled ClusterRole comes too; namespace c is excluded by its label; the excluded ConfigMap is not taken.
      expect: [`configmaps|${a}/a1`, `configmaps|${b}/b1`, `clusterroles.rbac.authorization.k8s.io|fm-role-${r}`, `namespaces|${a}`, `namespaces|${b}`],
    },
  ];
  for (const cse of cases) {
    const backup = await createBackup(s, cse.name, cse.spec);
    assert.equal(backup.status?.phase, 'Completed', `${cse.name}: ${JSON.stringify(backup.status)}`);
    const { keys } = await tarballItems(s, cse.name);
    assert.deepEqual([...keys].sort(), [...cse.expect].sort(), cse.name);
  }
});

test('invalid backups end FailedValidation naming the field, and write nothing', async (t) => {
  const s = await startTestServer(t);
  const backup = await createBackup(s, 'bad', { storageLocation: 'missing', ttl: 'soon', includedNamespaces: ['a', '*'] });
  assert.equal(backup.status?.phase, 'FailedValidation');
  const errors = backup.status?.validationErrors as string[];
  assert.ok(errors.some((e) => e.includes('spec.storageLocation')) && errors.some((e) => e.startsWith('spec.ttl')) && errors.some((e) => e.startsWith('spec.includedNamespaces')), JSON.stringify(errors));
  assert.equal(await s.store.backupExists('bad'), false);
  assert.equal(await objectExists(s, 'backups/bad/bad.tar.gz'), false);
});

test('a location that cannot be reached is Unavailable with the reason, and refuses backups', async (t) => {
  const s = await startTestServer(t);
  const { client, state } = s.cluster;
  await client.create(VeleroResources.backupStorageLocations, {
    apiVersion: 'velero.io/v1', kind: 'BackupStorageLocation', metadata: { name: 'broken', namespace: s.namespace },
    spec: { provider: 'aws', objectStorage: { bucket: `no-such-bucket-${randomBytes(3).toString('hex')}` }, config: { region: 'minio', s3ForcePathStyle: 'true', s3Url: state.s3.endpoint } },
  });
  let message = '';
  await waitFor(async () => {
    const bsl = await client.get(VeleroResources.backupStorageLocations, 'broken', { namespace: s.namespace });
    message = String((bsl.status as { message?: string } | undefined)?.message ?? '');
    return (bsl.status as { phase?: string } | undefined)?.phase === 'Unavailable';
  }, { what: 'the broken location to be Unavailable' });
  assert.match(message, /bucket/i);
  const backup = await createBackup(s, 'to-broken', { storageLocation: 'broken' });
  assert.equal(backup.status?.phase, 'FailedValidation');
  assert.ok((backup.status?.validationErrors as string[]).some((e) => /"broken" is Unavailable/.test(e)));
});

test('a backup a dead server left InProgress is run again (its partial upload discarded); after three interruptions it is Failed, never Completed', async (t) => {
  const s = await startTestServer(t);
  const { client } = s.cluster;
  // What a killed server leaves: the phase InProgress and part of an upload, without velero-backup.json.
  await s.objectStore.putObject(`${s.prefix}/backups/orphan/orphan.tar.gz`, Buffer.from('partial'));
  const interrupted = (name: string, attempts?: number): Promise<unknown> =>
    client.create(VeleroResources.backups, {
      apiVersion: 'velero.io/v1', kind: 'Backup',
      metadata: { name, namespace: s.namespace, ...(attempts ? { annotations: { 'skiff.io/backup-attempts': String(attempts) } } : {}) },
      spec: { storageLocation: s.location, includedNamespaces: ['kube-public'] }, status: { phase: 'InProgress', startTimestamp: '2026-01-01T00:00:00Z' },
    });
  await interrupted('orphan');
  const b = await waitForBackup(client, s.namespace, 'orphan');
  assert.equal(b.status?.phase, 'Completed');
  assert.equal(b.metadata.annotations?.['skiff.io/backup-attempts'], '2');
  assert.notEqual((await readAll(await s.objectStore.getObject(`${s.prefix}/backups/orphan/orphan.tar.gz`))), 'partial', 'the partial upload was replaced');

  await interrupted('worn-out', 3);
  const failed = await waitForBackup(client, s.namespace, 'worn-out');
  assert.equal(failed.status?.phase, 'Failed');
  assert.match(String(failed.status?.failureReason), /server stopped during this backup 3 times/);
  assert.equal(await s.store.backupExists('worn-out'), false);
});

test('a name already used in object storage fails the backup instead of overwriting it', async (t) => {
  const s = await startTestServer(t);
  const first = await createBackup(s, 'twice', { includedNamespaces: ['default'] });
  assert.equal(first.status?.phase, 'Completed');
  await s.cluster.client.delete(VeleroResources.backups, 'twice', { namespace: s.namespace });
  const second = await createBackup(s, 'twice', { includedNamespaces: ['default'] });
  assert.equal(second.status?.phase, 'Failed');
  assert.match(String(second.status?.failureReason), /already exists in object storage/);
  assert.equal((await s.store.getBackupMetadata('twice')).metadata?.uid, first.metadata.uid, 'the first backup is untouched');
});

function objectExists(s: TestServer, key: string): Promise<boolean> {
  return s.objectStore.objectExists(`${s.prefix}/${key}`);
}

async function readAll(stream: Readable): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString();
}

test("a location's own credential Secret is used (the server has no credentials of its own)", async (t) => {
  const s = await startTestServer(t, {}, { serverEnv: {} });
  const { client, state } = s.cluster;
  const { readFile } = await import('node:fs/promises');
  await client.create(Resources.secrets, {
    apiVersion: 'v1', kind: 'Secret', metadata: { name: 'bsl-creds', namespace: s.namespace },
    data: { cloud: (await readFile(state.s3.credentialsFile)).toString('base64') },
  });
  await client.create(VeleroResources.backupStorageLocations, {
    apiVersion: 'velero.io/v1', kind: 'BackupStorageLocation', metadata: { name: 'with-secret', namespace: s.namespace },
    spec: { provider: 'aws', credential: { name: 'bsl-creds', key: 'cloud' }, objectStorage: { bucket: s.bucket, prefix: `${s.prefix}-secret` }, config: { region: 'minio', s3ForcePathStyle: 'true', s3Url: state.s3.endpoint } },
  });
  await waitFor(async () => ((await client.get(VeleroResources.backupStorageLocations, 'with-secret', { namespace: s.namespace })).status as { phase?: string } | undefined)?.phase === 'Available', { what: 'the location with a credential Secret to be Available' });
  const backup = await createBackup(s, 'with-secret', { storageLocation: 'with-secret', includedNamespaces: ['default'] });
  assert.equal(backup.status?.phase, 'Completed', JSON.stringify(backup.status));
  assert.equal(await s.objectStore.objectExists(`${s.prefix}-secret/backups/with-secret/velero-backup.json`), true);
});

test('with one backup at a time, later backups wait Queued with their positions, and all complete in order', async (t) => {
  const s = await startTestServer(t, { concurrentBackups: 1 });
  const { client } = s.cluster;
  const phases = new Map<string, string[]>();
  const ac = new AbortController();
  t.after(() => ac.abort());
  const watching = (async () => {
    try {
      for await (const ev of client.watch(VeleroResources.backups, { namespace: s.namespace, signal: ac.signal })) {
        if (ev.type === 'BOOKMARK') continue;
        const st = (ev.object.status ?? {}) as { phase?: string; queuePosition?: number };
        const seen = phases.get(ev.object.metadata.name!) ?? [];
        const label = st.phase === 'Queued' ? `Queued:${st.queuePosition}` : (st.phase ?? 'New');
        if (seen.at(-1) !== label) seen.push(label);
        phases.set(ev.object.metadata.name!, seen);
      }
    } catch {
      // aborted at the end of the test
    }
  })();
  const names = ['q1', 'q2', 'q3'];
  await Promise.all(names.map((name) => client.create(VeleroResources.backups, { apiVersion: 'velero.io/v1', kind: 'Backup', metadata: { name, namespace: s.namespace }, spec: { includedNamespaces: ['default'] } })));
  const done = await Promise.all(names.map((n) => waitForBackup(client, s.namespace, n)));
  await waitFor(async () => names.every((n) => phases.get(n)?.at(-1) === 'Completed'), { what: 'the watch to see every backup complete' });
  ac.abort();
  await watching;
  assert.deepEqual(done.map((b) => b.status?.phase), ['Completed', 'Completed', 'Completed']);
  const queued = [...phases.values()].filter((p) => p.some((x) => x.startsWith('Queued:')));
  assert.ok(queued.length >= 2, `at least two backups waited: ${JSON.stringify(Object.fromEntries(phases))}`);
  for (const [name, p] of phases) assert.equal(p.at(-1), 'Completed', `${name}: ${JSON.stringify(p)}`);
  const starts = done.map((b) => String(b.status?.startTimestamp)).sort();
  const completions = done.map((b) => String(b.status?.completionTimestamp)).sort();
  for (let i = 1; i < starts.length; i++) assert.ok(starts[i]! >= completions[i - 1]!, 'never two at once');
});

test('a CRD created a moment before the backup is in it, with its custom resources', async (t) => {
  const s = await startTestServer(t);
  const { client } = s.cluster;
  const r = randomBytes(3).toString('hex');
  const group = `fresh${r}.skiff.test`;
  const ns = `fresh-${r}`;
  await client.create(Resources.namespaces, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
  t.after(() => client.delete(Resources.namespaces, ns).catch(() => undefined));
  await client.create(Resources.customResourceDefinitions, {
    apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', metadata: { name: `gizmos.${group}` },
    spec: { group, scope: 'Namespaced', names: { plural: 'gizmos', singular: 'gizmo', kind: 'Gizmo' }, versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } } }] },
  });
  t.after(() => client.delete(Resources.customResourceDefinitions, `gizmos.${group}`).catch(() => undefined));
  const gizmos = { group, version: 'v1', resource: 'gizmos', namespaced: true };
  await waitFor(async () => (await client.create(gizmos, { apiVersion: `${group}/v1`, kind: 'Gizmo', metadata: { name: 'g1', namespace: ns }, spec: { x: 1 } }).then(() => true, () => false)), { what: 'the new CRD to serve' });
  // No pause: Velero would miss this CRD for up to 5 minutes (its discovery cache); Skiff refreshes per backup.
  const backup = await createBackup(s, 'fresh-crd', { includedNamespaces: [ns] });
  assert.equal(backup.status?.phase, 'Completed');
  const { keys } = await tarballItems(s, 'fresh-crd');
  assert.ok(keys.has(`gizmos.${group}|${ns}/g1`), [...keys].join(', '));
  assert.ok(keys.has(`customresourcedefinitions.apiextensions.k8s.io|gizmos.${group}`), 'the CRD comes with its custom resources');
});

test('the seeds example through the CLI: skiff backup create --wait, get and describe against the real server', async (t) => {
  const s = await startTestServer(t);
  const { client, kubeconfig } = s.cluster;
  const ns = await deploySampleApp(client, t);
  const { runCli } = await import('../../src/cli/run-cli.ts');
  const run = async (...argv: string[]): Promise<{ code: number; out: string }> => {
    let out = '';
    const sink = { write: (x: string) => void (out += x) };
    const code = await runCli([...argv, '-n', s.namespace], { env: { KUBECONFIG: kubeconfig }, stdout: sink, stderr: sink, homeDir: '/nonexistent', cwd: process.cwd() });
    return { code, out };
  };
  const created = await run('backup', 'create', 'nginx-backup', '--selector', 'app=nginx', '--include-namespaces', ns, '--wait');
  assert.equal(created.code, 0, created.out);
  assert.match(created.out, /Backup request "nginx-backup" submitted successfully\./);
  assert.match(created.out, /Backup completed with status: Completed\./);
  const got = await run('backup', 'get');
  assert.match(got.out, /^NAME\s+STATUS\s+ERRORS\s+WARNINGS\s+CREATED\s+EXPIRES\s+STORAGE LOCATION\s+QUEUE POSITION\s+SELECTOR$/m);
  assert.match(got.out, /^nginx-backup\s+Completed\s+0\s+0\s+\d{4}-\d\d-\d\d \d\d:\d\d:\d\d \+0000 UTC\s+29d\s+default\s+app=nginx$/m);
  const described = await run('backup', 'describe', 'nginx-backup', '--details');
  assert.equal(described.code, 0, described.out);
  assert.match(described.out, /^Phase:\s+Completed/m);
  assert.match(described.out, /^Items backed up:\s+11$/m);
  assert.match(described.out, new RegExp(`^\\s+- ${ns}/nginx-deployment$`, 'm'));
  assert.match(described.out, new RegExp(`^\\s+- pv-${ns}-logs$`, 'm'));
  const logs = await run('backup', 'logs', 'nginx-backup');
  assert.match(logs.out, /msg="Backed up item"/);
});
