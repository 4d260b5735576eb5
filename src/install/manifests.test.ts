/** @module install/manifests.test — what install creates: Velero's order, names and labels, Skiff's image and locked-down pods, both RBAC modes. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { crdManifests } from '../api/index.ts';
import type { KubeObject } from '../kube/index.ts';
import { installManifests, resourceManifests } from './manifests.ts';
import { defaultInstallOptions, type InstallOptions } from './options.ts';
import { LEAST_PRIVILEGE_CLUSTER_RULES } from './rbac.ts';
import { imagePullPolicy, nodeAgentArgs, serverArgs } from './workloads.ts';

const SECRET = '[default]\naws_access_key_id=AKIAEXAMPLE\naws_secret_access_key=very-secret\n';

function opts(o: Partial<InstallOptions> = {}): InstallOptions {
  return {
    ...defaultInstallOptions('velero', 'v0.1.0'),
    provider: 'aws',
    bucket: 'b',
    secretFile: 'creds',
    secretData: Buffer.from(SECRET),
    backupLocationConfig: { region: 'minio', s3Url: 'http://minio:9000' },
    ...o,
  };
}

const kindsAndNames = (objs: KubeObject[]): string[] => objs.map((o) => `${o.kind}/${o.metadata.namespace ? `${o.metadata.namespace}/` : ''}${o.metadata.name}`);
const find = (objs: KubeObject[], kind: string): KubeObject => {
  const found = objs.find((o) => o.kind === kind);
  assert.ok(found, `no ${kind}`);
  return found;
};
type Pod = { metadata: { labels: Record<string, string>; annotations?: Record<string, string> }; spec: Record<string, unknown> & { containers: Array<Record<string, unknown>>; volumes: Array<{ name: string }> } };
const podOf = (workload: KubeObject): Pod => (workload['spec'] as { template: Pod }).template;

test("Velero's objects in Velero's order and names, CRDs first, every one labelled component=velero", () => {
  const all = installManifests(opts({ useNodeAgent: true }));
  assert.deepEqual(all.slice(0, 13), crdManifests());
  assert.deepEqual(kindsAndNames(all.slice(13)), [
    'Namespace/velero',
    'ClusterRoleBinding/velero',
    'ServiceAccount/velero/velero',
    'Secret/velero/cloud-credentials',
    'BackupStorageLocation/velero/default',
    'VolumeSnapshotLocation/velero/default',
    'Deployment/velero/velero',
    'DaemonSet/velero/node-agent',
  ]);
  for (const obj of all) assert.equal(obj.metadata.labels?.['component'], 'velero', `${obj.kind}/${obj.metadata.name}`);
});

test('outside the velero namespace the ClusterRoleBinding is velero-<ns>; optional objects come and go with their flags', () => {
  const objs = resourceManifests(opts({ namespace: 'backup', secretData: undefined, secretFile: undefined, noSecret: true, noDefaultBackupLocation: true, bucket: undefined, backupLocationConfig: {}, useVolumeSnapshots: false }));
  assert.deepEqual(kindsAndNames(objs), ['Namespace/backup', 'ClusterRoleBinding/velero-backup', 'ServiceAccount/backup/velero', 'Deployment/backup/velero']);
  const crb = find(objs, 'ClusterRoleBinding');
  assert.deepEqual(crb['roleRef'], { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'cluster-admin' });
  assert.deepEqual(crb['subjects'], [{ kind: 'ServiceAccount', name: 'velero', namespace: 'backup' }]);
  // An existing account: no account and no RBAC; the pods run as it.
  const own = resourceManifests(opts({ serviceAccountName: 'mine' }));
  assert.deepEqual(own.map((o) => o.kind).filter((k) => /Role|ServiceAccount/.test(k ?? '')), []);
  assert.equal(podOf(find(own, 'Deployment')).spec['serviceAccountName'], 'mine');
});

test('the Secret holds the credentials file under key cloud; the location is the default one with its config', () => {
  const objs = resourceManifests(opts({ prefix: 'p', caCert: Buffer.from('PEM') }));
  const secret = find(objs, 'Secret');
  assert.equal(secret['type'], 'Opaque');
  assert.deepEqual(secret['data'], { cloud: Buffer.from(SECRET).toString('base64') });
  assert.deepEqual(find(objs, 'BackupStorageLocation')['spec'], {
    provider: 'aws',
    objectStorage: { bucket: 'b', prefix: 'p', caCert: Buffer.from('PEM').toString('base64') },
    default: true,
    config: { region: 'minio', s3Url: 'http://minio:9000' },
  });
  assert.deepEqual(find(objs, 'VolumeSnapshotLocation')['spec'], { provider: 'aws' });
});

test('the server Deployment: Skiff image running `server`, metrics port and annotations, Velero resources and env', () => {
  const deploy = find(resourceManifests(opts({ podLabels: { team: 'ops' }, podAnnotations: { note: 'x' } })), 'Deployment');
  const spec = deploy['spec'] as { replicas?: number; selector: unknown };
  assert.equal(spec.replicas, undefined, 'no replicas field unless --replicas');
  assert.deepEqual(spec.selector, { matchLabels: { deploy: 'velero' } });
  const pod = podOf(deploy);
  assert.deepEqual(pod.metadata.labels, { team: 'ops', component: 'velero', deploy: 'velero' });
  assert.deepEqual(pod.metadata.annotations, { 'prometheus.io/scrape': 'true', 'prometheus.io/port': '8085', 'prometheus.io/path': '/metrics', note: 'x' });
  const [c] = pod.spec.containers;
  assert.equal(c?.['image'], 'ghcr.io/skiff-backup/skiff:v0.1.0');
  assert.equal(c?.['imagePullPolicy'], 'IfNotPresent');
  assert.equal(c?.['command'], undefined, "the image's entrypoint is the skiff CLI");
  assert.deepEqual(c?.['args'], ['server']);
  assert.deepEqual(c?.['ports'], [{ name: 'metrics', containerPort: 8085 }]);
  assert.deepEqual(c?.['resources'], { requests: { cpu: '500m', memory: '128Mi' }, limits: { cpu: '1000m', memory: '512Mi' } });
  const env = c?.['env'] as Array<{ name: string; value?: string }>;
  assert.deepEqual(env.map((e) => e.name), ['VELERO_NAMESPACE', 'VELERO_SCRATCH_DIR', 'GOOGLE_APPLICATION_CREDENTIALS', 'AWS_SHARED_CREDENTIALS_FILE', 'AZURE_CREDENTIALS_FILE', 'ALIBABA_CLOUD_CREDENTIALS_FILE']);
  assert.equal(env.find((e) => e.name === 'AWS_SHARED_CREDENTIALS_FILE')?.value, '/credentials/cloud');
  assert.deepEqual(pod.spec.volumes.map((v) => v.name), ['scratch', 'tmp', 'cloud-credentials']);
});

test('the server pod is locked down: non-root, read-only root, no capabilities, RuntimeDefault seccomp; the namespace enforces restricted', () => {
  const objs = resourceManifests(opts());
  const pod = podOf(find(objs, 'Deployment'));
  assert.deepEqual(pod.spec['securityContext'], { runAsNonRoot: true, runAsUser: 65532, runAsGroup: 65532, fsGroup: 65532, seccompProfile: { type: 'RuntimeDefault' } });
  assert.deepEqual(pod.spec.containers[0]?.['securityContext'], { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, runAsNonRoot: true, capabilities: { drop: ['ALL'] } });
  assert.equal(find(objs, 'Namespace').metadata.labels?.['pod-security.kubernetes.io/enforce'], 'restricted');
  // With the node agent (host paths, root), the namespace is Velero's privileged.
  assert.equal(find(resourceManifests(opts({ useNodeAgent: true })), 'Namespace').metadata.labels?.['pod-security.kubernetes.io/enforce'], 'privileged');
});

test('server arguments are appended only when set, in Velero order, durations in Go form', () => {
  assert.deepEqual(serverArgs(opts()), ['server']);
  assert.deepEqual(
    serverArgs(opts({
      features: ['EnableCSI', 'EnableAPIGroupVersions'], defaultVolumesToFsBackup: true, defaultSnapshotMoveData: true, disableInformerCache: true, scheduleSkipImmediately: true,
      uploaderType: 'kopia', restoreOnly: true, defaultRepoMaintainFrequencyMs: 3_600_000, garbageCollectionFrequencyMs: 1_800_000, podVolumeOperationTimeoutMs: 7_200_000,
      backupRepositoryConfigMap: 'repo', repoMaintenanceJobConfigMap: 'maint', itemBlockWorkerCount: 4, concurrentBackups: 2,
    })),
    [
      'server', '--features=EnableCSI,EnableAPIGroupVersions', '--default-volumes-to-fs-backup=true', '--default-snapshot-move-data=true', '--disable-informer-cache=true',
      '--schedule-skip-immediately=true', '--uploader-type=kopia', '--restore-only', '--default-repo-maintain-frequency=1h0m0s', '--garbage-collection-frequency=30m0s',
      '--fs-backup-timeout=2h0m0s', '--backup-repository-configmap=repo', '--repo-maintenance-job-configmap=maint', '--item-block-worker-count=4', '--concurrent-backups=2',
    ],
  );
  assert.deepEqual(nodeAgentArgs(opts({ features: ['EnableCSI'], nodeAgentConfigMap: 'na', backupRepositoryConfigMap: 'repo' })), ['node-agent', 'server', '--features=EnableCSI', '--node-agent-configmap=na', '--backup-repository-configmap=repo']);
});

test('replicas and priority classes; several replicas are spread over nodes', () => {
  const deploy = find(resourceManifests(opts({ replicas: 3, serverPriorityClassName: 'high' })), 'Deployment');
  assert.equal((deploy['spec'] as { replicas: number }).replicas, 3);
  const spec = podOf(deploy).spec;
  assert.equal(spec['priorityClassName'], 'high');
  assert.ok((spec['affinity'] as Record<string, unknown>)['podAntiAffinity']);
  assert.equal((podOf(find(resourceManifests(opts()), 'Deployment')).spec['affinity'] as Record<string, unknown>)['podAntiAffinity'], undefined);
});

test('image pull policy: Always for untagged or latest, IfNotPresent for a tag or digest', () => {
  assert.equal(imagePullPolicy('ghcr.io/skiff-backup/skiff'), 'Always');
  assert.equal(imagePullPolicy('ghcr.io/skiff-backup/skiff:latest'), 'Always');
  assert.equal(imagePullPolicy('registry:5000/skiff'), 'Always');
  assert.equal(imagePullPolicy('registry:5000/skiff:v1'), 'IfNotPresent');
  assert.equal(imagePullPolicy('skiff@sha256:abc'), 'IfNotPresent');
});

test("the node agent: Velero's selector, labels, host paths and root; privileged only when asked", () => {
  const ds = find(resourceManifests(opts({ useNodeAgent: true, podLabels: { team: 'ops' }, kubeletRootDir: '/data/kubelet' })), 'DaemonSet');
  assert.deepEqual((ds['spec'] as { selector: unknown }).selector, { matchLabels: { name: 'node-agent' } });
  const pod = podOf(ds);
  assert.deepEqual(pod.metadata.labels, { team: 'ops', name: 'node-agent', role: 'node-agent', component: 'velero' });
  assert.deepEqual(pod.spec['securityContext'], { runAsUser: 0, seccompProfile: { type: 'RuntimeDefault' } });
  assert.deepEqual(pod.spec.volumes.slice(0, 2), [
    { name: 'host-pods', hostPath: { path: '/data/kubelet/pods' } },
    { name: 'host-plugins', hostPath: { path: '/data/kubelet/plugins' } },
  ]);
  assert.equal(pod.spec.containers[0]?.['resources'], undefined, 'no requests or limits by default (Velero: BestEffort)');
  const privileged = podOf(find(resourceManifests(opts({ useNodeAgent: true, privilegedNodeAgent: true, nodeAgentDisableHostPath: true })), 'DaemonSet'));
  assert.deepEqual(privileged.spec.containers[0]?.['securityContext'], { privileged: true, readOnlyRootFilesystem: true });
  assert.deepEqual(privileged.spec.volumes.map((v) => v.name), ['scratch', 'tmp', 'cloud-credentials']);
});

test('least-privilege RBAC: a ClusterRole that can read everything and create/update/patch, never delete or escalate; a Role for its namespace', () => {
  const objs = resourceManifests(opts({ namespace: 'backup', rbac: 'least-privilege' }));
  assert.deepEqual(kindsAndNames(objs).slice(0, 6), ['Namespace/backup', 'ClusterRole/velero-backup', 'ClusterRoleBinding/velero-backup', 'ServiceAccount/backup/velero', 'Role/backup/velero', 'RoleBinding/backup/velero']);
  const clusterRole = find(objs, 'ClusterRole');
  assert.deepEqual(clusterRole['rules'], LEAST_PRIVILEGE_CLUSTER_RULES);
  const clusterVerbs = (clusterRole['rules'] as ReadonlyArray<{ verbs: readonly string[] }>).flatMap((r) => r.verbs);
  for (const verb of ['delete', 'deletecollection', 'escalate', 'bind', 'impersonate', 'approve', 'sign', '*']) assert.ok(!clusterVerbs.includes(verb), verb);
  assert.deepEqual(find(objs, 'ClusterRoleBinding')['roleRef'], { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'velero-backup' });
  const role = find(objs, 'Role')['rules'] as Array<{ apiGroups: string[]; resources: string[]; verbs: string[] }>;
  assert.deepEqual(role.map((r) => `${r.apiGroups[0]}/${r.resources[0]}`), ['velero.io/*', 'coordination.k8s.io/leases', '/secrets']);
  assert.ok(role.every((r) => r.verbs.includes('delete')));
  assert.deepEqual(find(objs, 'RoleBinding')['subjects'], [{ kind: 'ServiceAccount', name: 'velero', namespace: 'backup' }]);
});
