/** @module install/options.test — Velero's install validation rules: every problem names its flag. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { defaultImage, defaultInstallOptions, installProblems, type InstallOptions } from './options.ts';
import { parseQuantity } from './quantity.ts';

/** A valid aws install, changed by `o`. */
function opts(o: Partial<InstallOptions> = {}): InstallOptions {
  return { ...defaultInstallOptions('velero', 'v0.1.0'), provider: 'aws', bucket: 'b', secretFile: 'creds', ...o };
}

test('the default image is tagged with the client version, latest without one', () => {
  assert.equal(defaultImage('v0.1.0'), 'ghcr.io/skiff-backup/skiff:v0.1.0');
  assert.equal(defaultImage('v0.0.0-unknown'), 'ghcr.io/skiff-backup/skiff:latest');
});

test('a complete aws install has no problems; so has one with no location, no snapshots and no provider', () => {
  assert.deepEqual(installProblems(opts()), []);
  assert.deepEqual(installProblems(opts({ provider: undefined, bucket: undefined, noDefaultBackupLocation: true, useVolumeSnapshots: false, secretFile: undefined, noSecret: true })), []);
  assert.deepEqual(installProblems(opts({ provider: 'velero.io/aws' })), []);
  assert.deepEqual(installProblems(opts({ provider: 'local' })), []);
});

test('credentials: exactly one of --secret-file and --no-secret', () => {
  assert.deepEqual(installProblems(opts({ secretFile: undefined })), ['one of --secret-file or --no-secret is required']);
  assert.deepEqual(installProblems(opts({ noSecret: true })), ['--secret-file and --no-secret cannot be used together']);
});

test('the default location needs a bucket and a provider; --no-default-backup-location refuses its flags', () => {
  assert.deepEqual(installProblems(opts({ bucket: undefined })), ['--bucket is required (or --no-default-backup-location)']);
  assert.deepEqual(installProblems(opts({ bucket: '-b' })), ['--bucket: "-b" is not a bucket name (it starts with "-")']);
  assert.deepEqual(installProblems(opts({ provider: undefined })), ['--provider is required (unless --no-default-backup-location and --use-volume-snapshots=false)']);
  assert.deepEqual(installProblems(opts({ noDefaultBackupLocation: true, prefix: 'p', backupLocationConfig: { region: 'x' }, caCertFile: 'ca.pem' })), [
    '--bucket cannot be used with --no-default-backup-location',
    '--prefix cannot be used with --no-default-backup-location',
    '--backup-location-config cannot be used with --no-default-backup-location',
    '--cacert cannot be used with --no-default-backup-location',
  ]);
  // Snapshots alone still need a provider.
  assert.deepEqual(installProblems(opts({ provider: undefined, bucket: undefined, noDefaultBackupLocation: true })), [
    '--provider is required (unless --no-default-backup-location and --use-volume-snapshots=false)',
  ]);
});

test('a provider Skiff does not have is refused, naming the built-in ones', () => {
  assert.deepEqual(installProblems(opts({ provider: 'gcp' })), ['--provider: Skiff has no provider "gcp" (built in: aws, velero.io/aws, local, skiff.io/local)']);
});

test('--snapshot-location-config needs volume snapshots; fs-backup by default needs the node agent', () => {
  assert.deepEqual(installProblems(opts({ useVolumeSnapshots: false, snapshotLocationConfig: { region: 'r' } })), ['--snapshot-location-config must be empty when --use-volume-snapshots=false']);
  assert.deepEqual(installProblems(opts({ defaultVolumesToFsBackup: true })), ['--default-volumes-to-fs-backup requires --use-node-agent']);
  assert.deepEqual(installProblems(opts({ defaultVolumesToFsBackup: true, useNodeAgent: true })), []);
  assert.deepEqual(installProblems(opts({ useNodeAgentWindows: true })), ['--use-node-agent-windows: Skiff has no Windows node agent']);
});

test('pod labels and annotations are checked, and the labels install selects pods by are reserved', () => {
  assert.deepEqual(installProblems(opts({ podLabels: { deploy: 'x', 'bad key!': 'v', team: 'not valid!' } })), [
    '--pod-labels: "deploy" is set by install itself (its pods are selected by it)',
    '--pod-labels: "bad key!" is not a valid key',
    '--pod-labels: "not valid!" is not a valid label value',
  ]);
  assert.deepEqual(installProblems(opts({ podAnnotations: { 'a/b/c': 'v' }, saAnnotations: { 'eks.amazonaws.com/role-arn': 'arn:aws:iam::1:role/x' } })), ['--pod-annotations: "a/b/c" is not a valid key']);
});

test('resource flags must be quantities, requests no larger than limits, 0 meaning none', () => {
  const server = (r: Partial<InstallOptions['serverResources']>): InstallOptions => opts({ serverResources: { ...opts().serverResources, ...r } });
  assert.deepEqual(installProblems(server({ cpuRequest: 'lots' })), ['--velero-pod-cpu-request: "lots" is not a quantity (examples: 500m, 1, 128Mi)']);
  assert.deepEqual(installProblems(server({ memRequest: '1Gi' })), ['--velero-pod-mem-request (1Gi) must not be greater than --velero-pod-mem-limit (512Mi)']);
  assert.deepEqual(installProblems(server({ memRequest: '1Gi', memLimit: '0' })), []);
  assert.deepEqual(installProblems(server({ cpuRequest: '1', cpuLimit: '1000m' })), []);
  assert.deepEqual(installProblems(opts({ nodeAgentResources: { cpuRequest: '-1', memRequest: '0', cpuLimit: '0', memLimit: '0' } })), ['--node-agent-pod-cpu-request must not be negative']);
});

test('server settings: no negative durations or counts, only kopia, positive replicas, RBAC mode with its own account', () => {
  assert.deepEqual(
    installProblems(opts({ garbageCollectionFrequencyMs: -1, defaultRepoMaintainFrequencyMs: -1, podVolumeOperationTimeoutMs: -1, itemBlockWorkerCount: -1, concurrentBackups: -2 })),
    [
      '--default-repo-maintain-frequency must not be negative',
      '--garbage-collection-frequency must not be negative',
      '--pod-volume-operation-timeout must not be negative',
      '--item-block-worker-count must not be negative',
      '--concurrent-backups must not be negative',
    ],
  );
  assert.deepEqual(installProblems(opts({ uploaderType: 'restic' })), ['--uploader-type: "restic" is not supported (only kopia)']);
  assert.deepEqual(installProblems(opts({ replicas: 0 })), ['--replicas must be a positive integer']);
  assert.deepEqual(installProblems(opts({ kubeletRootDir: 'var/lib/kubelet' })), ['--kubelet-root-dir: "var/lib/kubelet" is not an absolute path']);
  const [problem] = installProblems(opts({ serviceAccountName: 'mine', rbac: 'least-privilege' }));
  assert.match(problem ?? '', /^--rbac least-privilege cannot be used with --service-account-name/);
});

test('quantities parse in every Kubernetes spelling', () => {
  assert.equal(parseQuantity('500m'), 0.5);
  assert.equal(parseQuantity('1'), 1);
  assert.equal(parseQuantity('128Mi'), 128 * 2 ** 20);
  assert.equal(parseQuantity('1e3'), 1000);
  assert.equal(parseQuantity('1.5G'), 1.5e9);
  assert.equal(parseQuantity('.5'), 0.5);
  for (const bad of ['', 'm', '1mi', '1 Gi', 'one']) assert.equal(parseQuantity(bad), undefined, bad);
});
