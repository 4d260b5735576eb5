/** @module cli/commands/backup/build.test — `backup create` flags → the Backup object, without a cluster. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parse as parseYaml } from 'yaml';
import { validate, type Backup, type Schedule } from '../../../api/index.ts';
import { run, testContext } from '../../testing.ts';
import { buildBackup, buildValidBackup, CreateFlagError, timestampedName } from './build.ts';
import { stringSliceArg } from './flag-values.ts';

/** `skiff backup create ...args -o json`, parsed; nothing is contacted (no kubeconfig exists). */
async function built(...args: string[]): Promise<Backup> {
  const r = await run(['backup', 'create', ...args, '-o', 'json', '-n', 'velero']);
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout) as Backup;
}

async function usage(...args: string[]): Promise<string> {
  const r = await run(['backup', 'create', ...args]);
  assert.equal(r.code, 1, r.stdout);
  assert.equal(r.stdout, '');
  return r.stderr;
}

test('defaults: all namespaces, 0s durations the server replaces, nothing else', async () => {
  const b = await built('b1');
  assert.deepEqual(b, {
    apiVersion: 'velero.io/v1',
    kind: 'Backup',
    metadata: { name: 'b1', namespace: 'velero' },
    spec: { metadata: {}, includedNamespaces: ['*'], ttl: '0s', hooks: {}, csiSnapshotTimeout: '0s', itemOperationTimeout: '0s' },
  });
  assert.equal(validate('Backup', b).valid, true);
});

test('every list flag maps to its field; a repeated StringArray replaces, --volume-snapshot-locations appends', async () => {
  const b = await built(
    'b1',
    '--include-namespaces', 'a,b', '--include-namespaces', 'c,d',
    '--exclude-namespaces', 'kube-system',
    '--include-resources', 'pods,deployments.apps', '--exclude-resources', 'events',
  );
  assert.deepEqual(b.spec?.includedNamespaces, ['c', 'd']);
  assert.deepEqual(b.spec?.excludedNamespaces, ['kube-system']);
  assert.deepEqual(b.spec?.includedResources, ['pods', 'deployments.apps']);
  assert.deepEqual(b.spec?.excludedResources, ['events']);
  // Snapshot locations are checked against the cluster, so this one is parsed and built directly.
  const vsl = stringSliceArg('gcp-1,"azure,odd"', stringSliceArg('aws-1', undefined));
  assert.deepEqual(vsl, ['aws-1', 'gcp-1', 'azure,odd']);
  assert.deepEqual(buildBackup({ name: 'b', volumeSnapshotLocations: vsl, storageLocation: 'main' }, { namespace: 'velero' }).spec?.volumeSnapshotLocations, vsl);
  const scoped = await built(
    'b2',
    '--include-cluster-scoped-resources', 'persistentvolumes', '--exclude-cluster-scoped-resources', 'storageclasses.storage.k8s.io',
    '--include-namespace-scoped-resources', '*', '--exclude-namespace-scoped-resources', 'secrets',
  );
  assert.deepEqual(
    [scoped.spec?.includedClusterScopedResources, scoped.spec?.excludedClusterScopedResources, scoped.spec?.includedNamespaceScopedResources, scoped.spec?.excludedNamespaceScopedResources],
    [['persistentvolumes'], ['storageclasses.storage.k8s.io'], ['*'], ['secrets']],
  );
});

test('tri-state flags: absent stays out (null to the server), bare means true, =false is false', async () => {
  const absent = await built('b');
  for (const f of ['snapshotVolumes', 'snapshotMoveData', 'includeClusterResources', 'defaultVolumesToFsBackup'] as const) assert.equal(f in (absent.spec ?? {}), false, f);
  const bare = await built('b', '--snapshot-volumes', '--snapshot-move-data', '--include-cluster-resources', '--default-volumes-to-fs-backup');
  assert.deepEqual([bare.spec?.snapshotVolumes, bare.spec?.snapshotMoveData, bare.spec?.includeClusterResources, bare.spec?.defaultVolumesToFsBackup], [true, true, true, true]);
  const off = await built('b', '--snapshot-volumes=false', '--snapshot-move-data=false', '--include-cluster-resources=F', '--default-volumes-to-fs-backup=0');
  assert.deepEqual([off.spec?.snapshotVolumes, off.spec?.snapshotMoveData, off.spec?.includeClusterResources, off.spec?.defaultVolumesToFsBackup], [false, false, false, false]);
  assert.match(await usage('b', '--snapshot-volumes=maybe'), /^Error: invalid argument "maybe" for "--snapshot-volumes" flag: expected true or false\n/);
});

test('labels and annotations are CSV maps: quoted entries keep commas, repeats merge', async () => {
  const b = await built('b', '--labels', 'app=web,"note=a,b"', '--labels', 'tier=db', '--annotations', 'owner=ops,"quote=say ""hi"""');
  assert.deepEqual(b.metadata.labels, { app: 'web', note: 'a,b', tier: 'db' });
  assert.deepEqual(b.metadata.annotations, { owner: 'ops', quote: 'say "hi"' });
  assert.match(await usage('b', '--labels', 'novalue'), /^Error: invalid argument "novalue" for "--labels" flag: error parsing "novalue": expected key=value\n/);
});

test('selectors: -l to labelSelector, --or-selector split on " or "', async () => {
  const b = await built('b', '-l', 'app=web,tier in (a,b),!legacy');
  assert.deepEqual(b.spec?.labelSelector, {
    matchLabels: { app: 'web' },
    matchExpressions: [{ key: 'tier', operator: 'In', values: ['a', 'b'] }, { key: 'legacy', operator: 'DoesNotExist' }],
  });
  const or = await built('b', '--or-selector', 'foo=bar or app=nginx');
  assert.deepEqual(or.spec?.orLabelSelectors, [{ matchLabels: { foo: 'bar' } }, { matchLabels: { app: 'nginx' } }]);
  assert.equal('labelSelector' in (or.spec ?? {}), false);
  assert.match(await usage('b', '-l', 'a=b=c'), /^Error: invalid argument "a=b=c" for "-l, --selector" flag: /);
});

test('ordered resources, durations, policies, data mover, parallel uploads, storage fields', async () => {
  const b = await built(
    'b',
    '--ordered-resources', 'pods=ns1/pod1,ns1/pod2;persistentvolumes=pv1',
    '--ttl', '72h', '--csi-snapshot-timeout', '90s', '--item-operation-timeout', '1h30m',
    '--resource-policies-configmap', 'policy', '--data-mover', 'velero', '--parallel-files-upload', '8',
  );
  assert.deepEqual(b.spec?.orderedResources, { pods: 'ns1/pod1,ns1/pod2', persistentvolumes: 'pv1' });
  assert.deepEqual([b.spec?.ttl, b.spec?.csiSnapshotTimeout, b.spec?.itemOperationTimeout], ['72h0m0s', '1m30s', '1h30m0s']);
  assert.deepEqual(b.spec?.resourcePolicy, { kind: 'configmap', name: 'policy' });
  assert.equal(b.spec?.datamover, 'velero');
  assert.deepEqual(b.spec?.uploaderConfig, { parallelFilesUpload: 8 });
  assert.equal(validate('Backup', b).valid, true);
  assert.match(await usage('b', '--ordered-resources', 'pods=a;broken'), /^Error: invalid argument "pods=a;broken" for "--ordered-resources" flag: invalid OrderedResources 'broken'/);
  assert.match(await usage('b', '--parallel-files-upload', 'many'), /^Error: invalid argument "many" for "--parallel-files-upload" flag: expected an integer\n/);
  assert.match(await usage('b', '--csi-snapshot-timeout', '5'), /^Error: invalid argument "5" for "--csi-snapshot-timeout" flag: /);
});

test("client-side checks name the flags, as velero's do", async () => {
  assert.equal(await usage(), "Error: a backup name is required, unless you are creating based on a schedule\nRun 'skiff backup create --help' for usage.\n");
  assert.match(await usage('b', '-l', 'a=b', '--or-selector', 'c=d'), /^Error: either a '--selector' or an '--or-selector' can be specified, but not both\n/);
  assert.match(await usage('b', '--include-resources', 'pods', '--exclude-namespace-scoped-resources', 'secrets'), /old filter parameters\.\n.*new filter parameters\.\nThey cannot be used together\n/);
  assert.match(await usage('b', '--include-cluster-resources', '--include-cluster-scoped-resources', 'pv'), /They cannot be used together/);
  assert.match(await usage('b', '--include-namespaces', 'Bad_NS'), /^Error: --include-namespaces: "Bad_NS" is not a valid namespace name or pattern\n/);
  assert.match(await usage('b', '--include-namespaces', 'a', '--exclude-namespaces', 'a'), /"a" is both included and excluded/);
  assert.match(await usage('--from-schedule', ' '), /^Error: flag must have a non-empty value: --from-schedule\n/);
  assert.match(await usage('b', '-o', 'xml'), /^Error: invalid argument "xml" for "-o, --output" flag/);
});

test('-o yaml and -o table print without creating anything (no cluster is even configured)', async () => {
  const ctx = testContext();
  const r = await run(['create', 'backup', 'nightly', '-o', 'yaml', '--labels', 'app=web'], ctx);
  assert.equal(r.code, 0, r.stderr);
  const doc = parseYaml(r.stdout) as Backup;
  assert.equal(validate('Backup', doc).valid, true);
  assert.equal(doc.metadata.name, 'nightly');
  const table = await run(['backup', 'create', 'nightly', '-o', 'table']);
  assert.equal(
    table.stdout,
    'NAME      STATUS   ERRORS   WARNINGS   CREATED   EXPIRES   STORAGE LOCATION   QUEUE POSITION   SELECTOR\nnightly   New      0        0          <nil>     n/a                                           <none>\n',
  );
});

test('without -o the command needs the cluster (it creates the Backup)', async () => {
  const r = await run(['backup', 'create', 'b1']);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /^An error occurred: no Kubernetes configuration found/);
});

const schedule: Schedule = {
  apiVersion: 'velero.io/v1',
  kind: 'Schedule',
  metadata: { name: 'daily', namespace: 'velero', uid: 'uid-1', labels: { team: 'ops' }, annotations: { note: 'x' } },
  spec: {
    schedule: '@daily',
    useOwnerReferencesInBackup: true,
    template: { includedNamespaces: ['shop'], ttl: '48h0m0s', snapshotVolumes: false },
  },
};

test('--from-schedule: the template, the schedule labels + schedule-name, owner reference, UTC timestamped name', () => {
  const now = new Date('2025-03-04T05:06:07Z');
  const b = buildBackup({ fromSchedule: 'daily', includeNamespaces: ['ignored'], labels: { extra: 'yes' } }, { namespace: 'velero', schedule, now });
  assert.equal(b.metadata.name, 'daily-20250304050607');
  assert.deepEqual(b.spec, schedule.spec?.template);
  assert.notEqual(b.spec, schedule.spec?.template, 'a copy, not the schedule object');
  assert.deepEqual(b.metadata.labels, { team: 'ops', 'velero.io/schedule-name': 'daily', extra: 'yes' });
  assert.deepEqual(b.metadata.annotations, { note: 'x' });
  assert.deepEqual(b.metadata.ownerReferences, [{ apiVersion: 'velero.io/v1', kind: 'Schedule', name: 'daily', uid: 'uid-1', controller: true }]);
  const templated: Schedule = { ...schedule, spec: { ...schedule.spec!, template: { metadata: { labels: { from: 'template' } } } } };
  const named = buildBackup({ name: 'mine', fromSchedule: 'daily' }, { namespace: 'velero', schedule: templated, now });
  assert.equal(named.metadata.name, 'mine');
  assert.deepEqual(named.metadata.labels, { from: 'template', 'velero.io/schedule-name': 'daily' });
  assert.equal(timestampedName('s', new Date('2025-12-31T23:59:59.900Z')), 's-20251231235959');
});

test('buildBackup refuses what the CLI refuses; buildValidBackup also runs the schema', () => {
  assert.throws(() => buildBackup({}, { namespace: 'velero' }), CreateFlagError);
  assert.throws(() => buildBackup({ fromSchedule: 'daily' }, { namespace: 'velero' }), /must be fetched first/);
  assert.equal(buildValidBackup({ name: 'b' }, { namespace: 'velero' }).metadata.name, 'b');
  const broken: Schedule = { ...schedule, spec: { ...schedule.spec!, template: { ttl: 'forever' } } };
  assert.throws(() => buildValidBackup({ fromSchedule: 'daily' }, { namespace: 'velero', schedule: broken }), /spec\.ttl: must be a Go duration/);
});
