/**
 * @module cli/commands/install-full.test — `skiff install` beyond the CRDs: printed manifests, flag errors,
 * and an apply against a fake API server that keeps objects in memory (order, field manager, no secret in output, --wait).
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, beforeEach, test } from 'node:test';
import { parseAllDocuments } from 'yaml';
import { serverArgs, defaultInstallOptions } from '../../install/index.ts';
import type { KubeObject } from '../../kube/index.ts';
import { FakeApiServer, sendJson, sendStatus } from '../../kube/testing/index.ts';
import { removeDir, run, tempDir, testContext, type RunResult } from '../testing.ts';

const SECRET = '[default]\naws_access_key_id=AKIAEXAMPLE\naws_secret_access_key=never-print-me\n';
const SECRET_B64 = Buffer.from(SECRET).toString('base64');
let dir: string;
let creds: string;
let kubeconfig: string;
let server: FakeApiServer;
/** The fake cluster: objects by their API path. */
const store = new Map<string, KubeObject>();
const lastApplied = new Map<string, string>();
let revision = 0;

before(async () => {
  dir = tempDir('skiff-install-');
  creds = join(dir, 'credentials');
  writeFileSync(creds, SECRET);
  server = await FakeApiServer.start();
  kubeconfig = join(dir, 'config');
  writeFileSync(kubeconfig, `apiVersion: v1\nkind: Config\nclusters: [{name: fake, cluster: {server: "${server.url}"}}]\nusers: [{name: u, user: {token: t}}]\ncontexts: [{name: c, context: {cluster: fake, user: u}}]\ncurrent-context: c\n`);
  server.on('GET', /.*/, (req, res) => {
    const obj = store.get(req.path);
    if (obj) sendJson(res, 200, obj);
    else sendStatus(res, 404, 'NotFound', `${req.path} not found`);
  });
  // Server-side apply, as far as install needs it: store the object; a change bumps the resourceVersion;
  // CRDs are Established and workloads ready at once.
  server.on('PATCH', /.*/, (req, res) => {
    const applied = JSON.parse(req.body) as KubeObject;
    const old = store.get(req.path);
    const same = old !== undefined && lastApplied.get(req.path) === req.body;
    lastApplied.set(req.path, req.body);
    const managedFields = [{ manager: req.query.get('fieldManager'), operation: 'Apply' }];
    const metadata = { ...applied.metadata, resourceVersion: same ? old.metadata.resourceVersion : String(++revision), generation: 1, managedFields };
    const status = applied.kind === 'CustomResourceDefinition'
      ? { conditions: [{ type: 'Established', status: 'True' }] }
      : { observedGeneration: 1, replicas: 1, updatedReplicas: 1, availableReplicas: 1, desiredNumberScheduled: 2, updatedNumberScheduled: 2, numberAvailable: 2 };
    const stored = { ...applied, metadata, status };
    store.set(req.path, stored);
    sendJson(res, 200, stored);
  });
});

after(async () => {
  await server.close();
  removeDir(dir);
});

beforeEach(() => {
  server.requests.length = 0;
});

function skiff(...args: string[]): Promise<RunResult> {
  return run(args, testContext({ env: { KUBECONFIG: kubeconfig }, cwd: dir }));
}

const AWS = ['--provider', 'aws', '--bucket', 'b', '--backup-location-config', 'region=minio,s3ForcePathStyle=true,s3Url=http://minio:9000'];

test('--dry-run -o yaml prints the CRDs, then the rest in order; warnings go to stderr, never into the YAML', async () => {
  const r = await skiff('install', ...AWS, '--secret-file', 'credentials', '--use-node-agent', '--plugins', 'velero/velero-plugin-for-aws:v1.14.3', '--dry-run', '-o', 'yaml', '-n', 'backup');
  assert.equal(r.code, 0, r.stderr);
  const docs = parseAllDocuments(r.stdout).map((d) => d.toJS() as KubeObject);
  assert.equal(docs.filter((d) => d.kind === 'CustomResourceDefinition').length, 13);
  assert.deepEqual(docs.slice(13).map((d) => d.kind), ['Namespace', 'ClusterRoleBinding', 'ServiceAccount', 'Secret', 'BackupStorageLocation', 'VolumeSnapshotLocation', 'Deployment', 'DaemonSet']);
  // As Velero's: the printed Secret carries the credentials (the user asked for the manifests).
  assert.deepEqual(docs.find((d) => d.kind === 'Secret')?.['data'], { cloud: SECRET_B64 });
  assert.match(r.stderr, /^Warning: --plugins is accepted for compatibility and not used/m);
  assert.match(r.stderr, /^Warning: --use-node-agent: this Skiff version has no node agent yet/m);
  assert.deepEqual(server.requests, [], 'no request reached the cluster');
});

test('-o json prints one v1 List; --no-secret and --no-default-backup-location are plain flags (=true works)', async () => {
  const r = await skiff('install', '--provider', 'aws', '--no-secret=true', '--no-default-backup-location', '--dry-run', '-o', 'json');
  assert.equal(r.code, 0, r.stderr);
  const list = JSON.parse(r.stdout) as { kind: string; apiVersion: string; items: KubeObject[] };
  assert.equal(list.kind, 'List');
  assert.deepEqual(list.items.slice(13).map((d) => d.kind), ['Namespace', 'ClusterRoleBinding', 'ServiceAccount', 'VolumeSnapshotLocation', 'Deployment']);
});

test('every problem is reported at once, each naming its flag', async () => {
  const r = await skiff('install', '--dry-run');
  assert.equal(r.code, 1);
  assert.equal(
    r.stderr,
    'Error: one of --secret-file or --no-secret is required\n--bucket is required (or --no-default-backup-location)\n' +
      '--provider is required (unless --no-default-backup-location and --use-volume-snapshots=false)\n' +
      "Run 'skiff install --help' for usage.\n",
  );
});

test('bad flag values are refused by the flag parser, naming the flag', async () => {
  const cases: Array<[string[], string]> = [
    [['--rbac', 'root'], 'Error: invalid argument "root" for "--rbac" flag: valid values are cluster-admin, least-privilege\n'],
    [['--replicas', 'two'], 'Error: invalid argument "two" for "--replicas" flag: expected an integer\n'],
    [['--use-volume-snapshots=maybe'], 'Error: invalid argument "maybe" for "--use-volume-snapshots" flag: expected true or false\n'],
    [['--garbage-collection-frequency', 'soon'], 'Error: invalid argument "soon" for "--garbage-collection-frequency" flag: expected a duration like 30s, 5m or 1h30m\n'],
    [['--backup-location-config', 'region'], 'Error: invalid argument "region" for "--backup-location-config" flag: error parsing "region": expected key=value\n'],
  ];
  for (const [args, error] of cases) {
    const r = await skiff('install', '--no-secret', ...AWS, '--dry-run', ...args);
    assert.equal(r.code, 1, args.join(' '));
    assert.ok(r.stderr.startsWith(error), `${args.join(' ')}: ${r.stderr}`);
  }
});

test('a --secret-file that cannot be read is named', async () => {
  const r = await skiff('install', ...AWS, '--secret-file', 'missing', '--dry-run', '-o', 'yaml');
  assert.equal(r.code, 1);
  assert.equal(r.stdout, '');
  assert.match(r.stderr, /--secret-file: cannot read "missing": ENOENT/);
});

test('every argument install gives the server is one `skiff server` accepts', async () => {
  const all = serverArgs({
    ...defaultInstallOptions('velero', 'v0.1.0'),
    features: ['EnableCSI'], defaultVolumesToFsBackup: true, defaultSnapshotMoveData: true, disableInformerCache: true, scheduleSkipImmediately: true, uploaderType: 'kopia',
    restoreOnly: true, defaultRepoMaintainFrequencyMs: 60_000, garbageCollectionFrequencyMs: 60_000, podVolumeOperationTimeoutMs: 60_000, backupRepositoryConfigMap: 'a',
    repoMaintenanceJobConfigMap: 'b', itemBlockWorkerCount: 2, concurrentBackups: 2,
  });
  // No kubeconfig: the server stops when it tries to connect, which is after every flag was parsed and checked.
  const r = await run([...all, '--kubeconfig', join(dir, 'no-such-kubeconfig')], testContext({ cwd: dir }));
  assert.equal(r.code, 1);
  assert.doesNotMatch(r.stderr, /unknown flag|invalid argument|Run 'skiff server --help'/);
  assert.match(r.stderr, /no-such-kubeconfig/);
});

test('install applies CRDs, then each object in order by forced server-side apply; no secret in the output; a re-run changes nothing', async () => {
  const first = await skiff('install', ...AWS, '--secret-file', creds, '--use-node-agent', '--wait', '-n', 'backup');
  assert.equal(first.code, 0, first.stderr);
  const patches = server.requests.filter((r) => r.method === 'PATCH');
  assert.ok(patches.every((p) => p.query.get('fieldManager') === 'skiff' && p.query.get('force') === 'true' && p.headers['content-type'] === 'application/apply-patch+yaml'));
  assert.deepEqual(patches.slice(13).map((p) => p.path), [
    '/api/v1/namespaces/backup',
    '/apis/rbac.authorization.k8s.io/v1/clusterrolebindings/velero-backup',
    '/api/v1/namespaces/backup/serviceaccounts/velero',
    '/api/v1/namespaces/backup/secrets/cloud-credentials',
    '/apis/velero.io/v1/namespaces/backup/backupstoragelocations/default',
    '/apis/velero.io/v1/namespaces/backup/volumesnapshotlocations/default',
    '/apis/apps/v1/namespaces/backup/deployments/velero',
    '/apis/apps/v1/namespaces/backup/daemonsets/node-agent',
  ]);
  assert.match(first.stdout, /^Secret\/cloud-credentials: created$/m);
  assert.match(first.stdout, /^Waiting for Deployment backup\/velero to be ready\.\nWaiting for DaemonSet backup\/node-agent to be ready\.\n/m);
  assert.match(first.stdout, /Skiff is installed! ⛵ Use 'kubectl logs deployment\/velero -n backup' to view the status\.\n$/);
  for (const text of [first.stdout, first.stderr]) {
    assert.ok(!text.includes('never-print-me') && !text.includes(SECRET_B64), 'the credentials are never printed');
  }
  const versions = (): string[] => [...store.values()].map((o) => `${o.metadata.name}@${o.metadata.resourceVersion}`);
  const before = versions();
  const second = await skiff('install', ...AWS, '--secret-file', creds, '--use-node-agent', '-n', 'backup');
  assert.equal(second.code, 0, second.stderr);
  assert.equal(second.stdout.match(/: already exists, proceeding$/gm)?.length, 13 + 8);
  assert.deepEqual(versions(), before);
});

/** Deletes of the objects the tests replace. */
function serveDelete(path: string): void {
  server.on('DELETE', path, (req, res) => {
    const obj = store.get(req.path);
    store.delete(req.path);
    lastApplied.delete(req.path);
    sendJson(res, 200, obj);
  });
}

test('switching --rbac replaces the ClusterRoleBinding, whose role cannot change in place', async () => {
  const lp = await skiff('install', ...AWS, '--no-secret', '-n', 'switch', '--rbac', 'least-privilege');
  assert.equal(lp.code, 0, lp.stderr);
  serveDelete('/apis/rbac.authorization.k8s.io/v1/clusterrolebindings/velero-switch');
  const admin = await skiff('install', ...AWS, '--no-secret', '-n', 'switch');
  assert.equal(admin.code, 0, admin.stderr);
  assert.match(admin.stdout, /^ClusterRoleBinding\/velero-switch: its role changed, replacing it\nClusterRoleBinding\/velero-switch: created$/m);
  assert.equal((store.get('/apis/rbac.authorization.k8s.io/v1/clusterrolebindings/velero-switch')?.['roleRef'] as { name: string }).name, 'cluster-admin');
});

test("a server Deployment install did not apply (Velero's) is replaced, so none of its fields survive a merge", async () => {
  const path = '/apis/apps/v1/namespaces/migrate/deployments/velero';
  const velero = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'velero', namespace: 'migrate', resourceVersion: '1', managedFields: [{ manager: 'velero', operation: 'Update' }] }, spec: { template: { spec: { containers: [{ name: 'velero', command: ['/velero'] }] } } } };
  store.set(path, velero);
  serveDelete(path);
  const r = await skiff('install', ...AWS, '--no-secret', '-n', 'migrate');
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^Deployment\/velero: not installed by Skiff, replacing it\nDeployment\/velero: created$/m);
  assert.deepEqual(server.requests.filter((q) => q.path === path).map((q) => q.method), ['GET', 'DELETE', 'PATCH']);
  const container = (store.get(path)?.['spec'] as { template: { spec: { containers: Array<Record<string, unknown>> } } }).template.spec.containers[0];
  assert.equal(container?.['command'], undefined);
});
