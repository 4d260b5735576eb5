/**
 * `skiff install` and `skiff uninstall` against real API servers. On the shared cluster: the printed manifests
 * pass `kubectl apply --dry-run=server`, and a real install (with --wait: the controller-manager, scheduler and
 * kwok run the server pod under Pod Security "restricted") is re-run without changing anything, then removed
 * without touching the CRDs other tests use. On an API server of its own (its own etcd prefix), the whole
 * round trip with the CLI, CRD deletion included.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { gunzipSync } from 'node:zlib';
import { join } from 'node:path';
import { CreateBucketCommand, GetObjectCommand } from '@aws-sdk/client-s3';
import { parse as parseYaml, parseAllDocuments, stringify } from 'yaml';
import { FINALIZER_RESTORE_EXTERNAL_RESOURCES, newBackup, newRestore, VeleroResources, type BackupStorageLocation } from '../../src/api/index.ts';
import { run, testContext } from '../../src/cli/testing.ts';
import { InstallResources, refOf, uninstall } from '../../src/install/index.ts';
import { KubeClient, Resources, type KubeObject } from '../../src/kube/index.ts';
import { DEFAULT_SERVER_CONFIG, startServer } from '../../src/server/index.ts';
import { testCluster, waitFor, type TestCluster } from '../support/cluster.ts';
import { deploySampleApp } from '../support/sample-app.ts';
import { startIsolatedApiServer } from '../support/api-server.ts';
import { kubectl } from '../support/kubectl.ts';
import { awsConfig, ensureCrds, removeBucket, waitForBackup, waitForFinal } from '../support/skiff-server.ts';

/** Install's flags for the test MinIO: provider aws, the credentials file, path-style S3. */
async function awsFlags(bucket = 'b'): Promise<string[]> {
  const { state } = await testCluster();
  const config = Object.entries(awsConfig(state.s3.endpoint)).map(([k, v]) => `${k}=${v}`).join(',');
  return ['--provider', 'aws', '--bucket', bucket, '--secret-file', state.s3.credentialsFile, '--backup-location-config', config];
}

/** `name@resourceVersion` of every object in `objects`, read back from the cluster. */
async function versions(client: KubeClient, objects: readonly KubeObject[]): Promise<string[]> {
  const out: string[] = [];
  for (const obj of objects) {
    const live = await client.get(refOf(obj), obj.metadata.name ?? '', { namespace: obj.metadata.namespace });
    out.push(`${obj.kind}/${obj.metadata.name}@${live.metadata.resourceVersion}`);
  }
  return out;
}

/** The objects an install prints with `-o json` (it prints them and applies them). */
function printed(stdout: string): KubeObject[] {
  const json = stdout.slice(0, stdout.indexOf('\n}\n') + 3);
  return (JSON.parse(json) as { items: KubeObject[] }).items;
}

test('the printed install passes `kubectl apply --dry-run=server`, in both RBAC modes', async (t) => {
  const { client, namespace } = await testCluster();
  await ensureCrds(client);
  // Server dry-run creates nothing, so the namespace must exist for the objects in it to be checked.
  const ns = await namespace(t, 'skiff-inst');
  for (const rbac of ['cluster-admin', 'least-privilege']) {
    const r = await run(['install', ...(await awsFlags()), '--use-node-agent', '--rbac', rbac, '--dry-run', '-o', 'yaml', '-n', ns], testContext());
    assert.equal(r.code, 0, r.stderr);
    const kinds = parseAllDocuments(r.stdout).map((d) => (d.toJS() as KubeObject).kind);
    assert.ok(kinds.includes('DaemonSet') && kinds.includes('Secret'), kinds.join());
    const dry = await kubectl(['apply', '--dry-run=server', '-f', '-'], r.stdout);
    assert.equal(dry.code, 0, `${rbac}: ${dry.stderr}`);
    assert.equal(dry.stdout.trim().split('\n').length, kinds.length, dry.stdout);
    assert.match(dry.stdout, new RegExp(`deployment\\.apps/velero (created|configured|unchanged) \\(server dry run\\)`));
  }
});

test('a real install waits for the server pod (restricted Pod Security), a re-run changes nothing, uninstall removes it but keeps the shared CRDs', async (t) => {
  const { client, kubeconfig } = await testCluster();
  const ns = `skiff-inst-${randomBytes(3).toString('hex')}`;
  const crb = `velero-${ns}`;
  t.after(async () => {
    await client.delete(Resources.namespaces, ns).catch(() => undefined);
    await client.delete(InstallResources.clusterRoleBindings, crb).catch(() => undefined);
  });
  const args = ['install', ...(await awsFlags()), '--wait', '-n', ns, '--kubeconfig', kubeconfig, '-o', 'json'];
  const first = await run(args, testContext());
  assert.equal(first.code, 0, first.stderr);
  assert.match(first.stdout, /^Waiting for Deployment .*\/velero to be ready\.\n/m);
  assert.match(first.stdout, /Skiff is installed! ⛵/);
  const objects = printed(first.stdout);
  const nsObj = await client.get(Resources.namespaces, ns);
  assert.equal(nsObj.metadata.labels?.['pod-security.kubernetes.io/enforce'], 'restricted');
  const pods = await client.list(Resources.pods, { namespace: ns, labelSelector: 'deploy=velero' });
  assert.equal(pods.items.length, 1, 'the ReplicaSet created the pod: it meets Pod Security "restricted"');

  // Controllers write the Deployment's status, so for it the proof is its generation and skiff's managed fields.
  const steady = objects.filter((o) => o.kind !== 'Deployment');
  const before = await versions(client, steady);
  const deployment = async (): Promise<string> => {
    const d = await client.get(Resources.deployments, 'velero', { namespace: ns });
    const skiffFields = d.metadata.managedFields?.filter((f) => (f as { manager?: string }).manager === 'skiff');
    return JSON.stringify([d.metadata.generation, skiffFields]);
  };
  const deploymentBefore = await deployment();
  const second = await run(args.filter((a) => a !== '--wait'), testContext());
  assert.equal(second.code, 0, second.stderr);
  assert.equal(second.stdout.match(/: already exists, proceeding$/gm)?.length, objects.length);
  assert.deepEqual(await versions(client, steady), before, 'no resourceVersion changed');
  assert.equal(await deployment(), deploymentBefore);

  // A Restore holding the server's finalizer would keep the namespace Terminating; uninstall releases it.
  await client.create(VeleroResources.restores, newRestore('held', ns, { backupName: 'x' }, { finalizers: [FINALIZER_RESTORE_EXTERNAL_RESOURCES] }));
  const out: string[] = [];
  await uninstall(client, { namespace: ns, out: { write: (s: string) => out.push(s) }, keepCrds: true });
  const text = out.join('');
  assert.match(text, /Stopping the Skiff server\.\.\.\nRemoved the server's finalizers from 1 object\.\nWaiting for Skiff namespace ".*" to be deleted\nSkiff namespace ".*" deleted\nClusterRoleBinding "velero-.*" deleted\nSkiff uninstalled ⛵\n$/);
  assert.equal(await client.getIfExists(Resources.namespaces, ns), undefined);
  assert.equal(await client.getIfExists(InstallResources.clusterRoleBindings, crb), undefined);
  assert.ok(await client.getIfExists(Resources.customResourceDefinitions, 'backups.velero.io'), 'the CRDs stay');
});

test('on an API server of its own: install, a re-run that changes nothing, and `skiff uninstall --force` removing everything, CRDs included', async (t) => {
  const api = await startIsolatedApiServer('install');
  t.after(() => api.stop());
  const { client } = api;
  const ns = 'skiff-own';
  const args = ['install', ...(await awsFlags()), '--rbac', 'least-privilege', '--use-node-agent', '-n', ns, '--kubeconfig', api.kubeconfig, '-o', 'json'];

  const first = await run(args, testContext());
  assert.equal(first.code, 0, first.stderr);
  const objects = printed(first.stdout);
  assert.equal(objects.length, 13 + 11);
  const before = await versions(client, objects);
  const second = await run(args, testContext());
  assert.equal(second.code, 0, second.stderr);
  assert.deepEqual(await versions(client, objects), before, 'no resourceVersion changed, CRDs included');

  // This API server has no controller-manager: the test plays the namespace controller's last step.
  const stop = new AbortController();
  t.after(() => stop.abort());
  const finalizer = finalizeWhenTerminating(client, ns, stop.signal);
  await client.create(VeleroResources.restores, newRestore('held', ns, { backupName: 'x' }, { finalizers: [FINALIZER_RESTORE_EXTERNAL_RESOURCES] }));
  const gone = await run(['uninstall', '--force', '-n', ns, '--kubeconfig', api.kubeconfig], testContext());
  stop.abort();
  await finalizer;
  assert.equal(gone.code, 0, gone.stderr);
  assert.match(gone.stdout, /ClusterRoleBinding "velero-skiff-own" deleted\nClusterRole "velero-skiff-own" deleted\nDeleted 13 velero.io CustomResourceDefinitions\.\nSkiff uninstalled ⛵\n$/);
  for (const obj of objects.filter((o) => !o.metadata.namespace)) {
    // A CRD goes once its objects are gone, which needs the Restore's finalizer to have been released.
    await waitFor(async () => (await client.getIfExists(refOf(obj), obj.metadata.name ?? '')) === undefined, { what: `${obj.kind}/${obj.metadata.name} to be deleted`, timeoutMs: 60_000 });
  }
});

/** Finalizes the namespace once it is Terminating (what kube-controller-manager's namespace controller ends with). */
async function finalizeWhenTerminating(client: KubeClient, ns: string, signal: AbortSignal): Promise<void> {
  while (!signal.aborted) {
    const live = await client.getIfExists(Resources.namespaces, ns);
    if (live?.metadata.deletionTimestamp) {
      await client.transport.json({ method: 'PUT', path: `/api/v1/namespaces/${ns}/finalize`, body: { ...live, spec: { finalizers: [] } } });
      await client.delete(Resources.namespaces, ns).catch(() => undefined);
      return;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** A kubeconfig for the cluster that authenticates as the ServiceAccount `<ns>/velero`, with a fresh token. */
async function serviceAccountKubeconfig(cluster: TestCluster, ns: string, dir: string): Promise<string> {
  const request = { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: { expirationSeconds: 3600 } };
  const answer = await cluster.client.transport.json<{ status: { token: string } }>({ method: 'POST', path: `/api/v1/namespaces/${ns}/serviceaccounts/velero/token`, body: request });
  const config = parseYaml(await readFile(cluster.kubeconfig, 'utf8')) as { users: Array<{ name: string; user: Record<string, unknown> }> };
  config.users = config.users.map((u) => ({ name: u.name, user: { token: answer.status.token } }));
  const file = join(dir, 'sa-kubeconfig');
  await writeFile(file, stringify(config), { mode: 0o600 });
  return file;
}

/** What the identity behind `client` may do, asked of the API server. */
async function canI(client: KubeClient, verb: string, resource: string, namespace?: string, group = ''): Promise<boolean> {
  const review = { apiVersion: 'authorization.k8s.io/v1', kind: 'SelfSubjectAccessReview', spec: { resourceAttributes: { verb, resource, group, ...(namespace ? { namespace } : {}) } } };
  const answer = await client.transport.json<{ status: { allowed: boolean } }>({ method: 'POST', path: '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews', body: review });
  return answer.status.allowed;
}

test('--rbac least-privilege is enough to back up and restore an app; it cannot delete outside its namespace or grant roles it does not hold', async (t) => {
  const cluster = await testCluster();
  const { client, kubeconfig, state } = cluster;
  await ensureCrds(client);
  const app = await deploySampleApp(client, t);
  const binding = (name: string, role: string): KubeObject => ({
    apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', metadata: { name, namespace: app },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: role }, subjects: [{ kind: 'User', name: 'someone', apiGroup: 'rbac.authorization.k8s.io' }],
  });
  await client.create(InstallResources.roleBindings, binding('viewers', 'view'));
  await client.create(InstallResources.roleBindings, binding('editors', 'edit'));

  const ns = `skiff-lp-${randomBytes(3).toString('hex')}`;
  const bucket = `t-${ns}`;
  const dir = await mkdtemp(join(tmpdir(), 'skiff-lp-'));
  await cluster.s3.send(new CreateBucketCommand({ Bucket: bucket }));
  const cleanup: Array<() => Promise<unknown>> = [];
  t.after(async () => {
    for (const fn of cleanup.reverse()) await fn().catch(() => undefined);
    await client.delete(Resources.namespaces, ns).catch(() => undefined);
    await client.delete(InstallResources.clusterRoleBindings, `velero-${ns}`).catch(() => undefined);
    await client.delete(InstallResources.clusterRoles, `velero-${ns}`).catch(() => undefined);
    await removeBucket(cluster, bucket);
    await rm(dir, { recursive: true, force: true });
  });
  const installed = await run(['install', ...(await awsFlags(bucket)), '--rbac', 'least-privilege', '-n', ns, '--kubeconfig', kubeconfig], testContext());
  assert.equal(installed.code, 0, installed.stderr);

  // The server's identity: the installed ServiceAccount, with only the least-privilege rules.
  const saKubeconfig = await serviceAccountKubeconfig(cluster, ns, dir);
  const sa = await KubeClient.fromKubeConfig({ kubeconfig: { kubeconfig: saKubeconfig, env: {} } });
  cleanup.push(() => sa.close());
  assert.equal(await canI(sa, 'create', 'deployments', app, 'apps'), true);
  assert.equal(await canI(sa, 'list', 'secrets'), true);
  assert.equal(await canI(sa, 'delete', 'backups', ns, 'velero.io'), true);
  assert.equal(await canI(sa, 'update', 'leases', ns, 'coordination.k8s.io'), true);
  assert.equal(await canI(sa, 'delete', 'namespaces'), false);
  assert.equal(await canI(sa, 'delete', 'configmaps', app), false);
  assert.equal(await canI(sa, 'delete', 'backups', app, 'velero.io'), false);
  assert.equal(await canI(sa, 'escalate', 'clusterroles', undefined, 'rbac.authorization.k8s.io'), false);

  // A server running as that account (in-process, as the pod would run it) on the location install created.
  const logs: string[] = [];
  const server = await startServer({
    config: { ...DEFAULT_SERVER_CONFIG, namespace: ns, kubeconfig: saKubeconfig, storeValidationFrequencyMs: 1000, metricsAddress: '127.0.0.1:0' },
    env: { AWS_SHARED_CREDENTIALS_FILE: state.s3.credentialsFile },
    write: (line) => void logs.push(line),
  });
  cleanup.push(() => server.stop());
  await waitFor(async () => (await client.get<BackupStorageLocation>(VeleroResources.backupStorageLocations, 'default', { namespace: ns })).status?.phase === 'Available', { what: 'the installed location to be Available' });
  await client.create(VeleroResources.backups, newBackup('lp', ns, { includedNamespaces: [app] }));
  const backup = await waitForBackup(client, ns, 'lp');
  assert.equal(backup.status?.['phase'], 'Completed', `${JSON.stringify(backup.status)}\n${logs.join('\n')}`);

  await client.delete(Resources.namespaces, app);
  await waitFor(async () => !(await client.getIfExists(Resources.namespaces, app)), { what: `namespace ${app} to be gone`, timeoutMs: 120_000 });
  await client.delete(Resources.persistentVolumes, `pv-${app}-logs`);
  await waitFor(async () => !(await client.getIfExists(Resources.persistentVolumes, `pv-${app}-logs`)), { what: 'the PV to be gone' });
  await client.create(VeleroResources.restores, newRestore('lp', ns, { backupName: 'lp' }));
  const restore = await waitForFinal<KubeObject & { status?: { phase?: string; errors?: number } }>(client, VeleroResources.restores, ns, 'lp', 180_000);
  // Everything comes back but the binding to `edit`, whose rights (delete, …) the server does not hold.
  assert.equal(restore.status?.phase, 'PartiallyFailed', JSON.stringify(restore.status));
  assert.equal(restore.status?.errors, 1);
  const results = await cluster.s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'restores/lp/restore-lp-results.gz' }));
  const errors = JSON.parse(gunzipSync(Buffer.from(await results.Body!.transformToByteArray())).toString()) as { errors: { namespaces?: Record<string, string[]> } };
  assert.match(errors.errors.namespaces?.[app]?.join('\n') ?? '', /editors.*forbidden.*attempting to grant RBAC permissions not currently held/s);
  assert.ok(await client.getIfExists(Resources.deployments, 'nginx-deployment', { namespace: app }));
  assert.ok(await client.getIfExists(Resources.persistentVolumes, `pv-${app}-logs`));
  assert.ok(await client.getIfExists(InstallResources.roleBindings, 'viewers', { namespace: app }));
  assert.equal(await client.getIfExists(InstallResources.roleBindings, 'editors', { namespace: app }), undefined);

  // The server holds its finalizer on the Restore; once it is stopped, uninstall releases it.
  await server.stop();
  const out: string[] = [];
  await uninstall(client, { namespace: ns, out: { write: (s: string) => out.push(s) }, keepCrds: true });
  assert.match(out.join(''), /Removed the server's finalizers from 1 object\.[\s\S]*ClusterRole "velero-skiff-lp-.*" deleted\n/);
  assert.equal(await client.getIfExists(InstallResources.clusterRoles, `velero-${ns}`), undefined);
});
