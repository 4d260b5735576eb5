/** `skiff backup create` against the real API server: what it creates, the checks it makes, --from-schedule, --wait. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { newBackupStorageLocation, newSchedule, newVolumeSnapshotLocation, VeleroResources, type Backup } from '../../src/api/index.ts';
import { buildBackup } from '../../src/cli/commands/backup/build.ts';
import { run, testContext } from '../../src/cli/testing.ts';
import { setStatus, setup } from './cli-backup-helpers.ts';

test('create: the Backup in the cluster is exactly what buildBackup builds', async (t) => {
  const { client, ns, skiff } = await setup(t);
  await client.create(VeleroResources.backupStorageLocations, newBackupStorageLocation('main', ns, { provider: 'aws', objectStorage: { bucket: 'b' } }));
  const r = await skiff(
    'backup', 'create', 'b1', '--include-namespaces', 'shop,web', '--exclude-resources', 'events', '--labels', 'app=shop,tier=db',
    '--annotations', 'owner=ops,"note=a,b"', '--snapshot-volumes=false', '--ttl', '24h', '-l', 'app=shop', '--storage-location', 'main',
    '--ordered-resources', 'pods=shop/a,shop/b', '--parallel-files-upload', '2',
  );
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, 'Backup request "b1" submitted successfully.\nRun `skiff backup describe b1` or `skiff backup logs b1` for more details.\n');
  const live = await client.get<Backup>(VeleroResources.backups, 'b1', { namespace: ns });
  const expected = buildBackup(
    {
      name: 'b1',
      includeNamespaces: ['shop', 'web'],
      excludeResources: ['events'],
      labels: { app: 'shop', tier: 'db' },
      annotations: { owner: 'ops', note: 'a,b' },
      snapshotVolumes: false,
      ttlMs: 24 * 3600_000,
      selector: { matchLabels: { app: 'shop' } },
      storageLocation: 'main',
      orderedResources: { pods: 'shop/a,shop/b' },
      parallelFilesUpload: 2,
    },
    { namespace: ns },
  );
  assert.deepEqual(live.spec, expected.spec);
  assert.deepEqual(live.metadata.labels, expected.metadata.labels);
  assert.deepEqual(live.metadata.annotations, expected.metadata.annotations);
  assert.equal(live.status, undefined);
});

test('create: missing storage or snapshot locations are refused before anything is created', async (t) => {
  const { client, ns, skiff } = await setup(t);
  const r = await skiff('backup', 'create', 'b1', '--storage-location', 'nope');
  assert.equal(r.code, 1);
  assert.equal(r.stderr, 'An error occurred: backupstoragelocations.velero.io "nope" not found\n');
  await client.create(VeleroResources.volumeSnapshotLocations, newVolumeSnapshotLocation('aws-1', ns, { provider: 'aws' }));
  const vsl = await skiff('backup', 'create', 'b1', '--volume-snapshot-locations', 'aws-1,gone');
  assert.equal(vsl.stderr, 'An error occurred: volumesnapshotlocations.velero.io "gone" not found\n');
  assert.equal((await client.list(VeleroResources.backups, { namespace: ns })).items.length, 0);
  const dup = await skiff('backup', 'create', 'b1');
  assert.equal(dup.code, 0, dup.stderr);
  const again = await skiff('backup', 'create', 'b1');
  assert.equal(again.stderr, 'An error occurred: backups.velero.io "b1" already exists\n');
});

test('create --from-schedule: the template, the labels, a UTC-stamped name; -o prints only', async (t) => {
  const { client, ns, skiff } = await setup(t);
  await client.create(
    VeleroResources.schedules,
    newSchedule('daily', ns, { schedule: '@daily', template: { includedNamespaces: ['shop'], ttl: '48h0m0s' } }, { labels: { team: 'ops' } }),
  );
  const before = Date.now();
  const r = await skiff('backup', 'create', '--from-schedule', 'daily', '--include-namespaces', 'ignored');
  assert.equal(r.code, 0, r.stderr);
  const m = /^Creating backup from schedule, all other filters are ignored\.\nBackup request "(daily-(\d{14}))" submitted successfully\.\n/.exec(r.stdout);
  assert.ok(m, r.stdout);
  const stamp = m[2] ?? '';
  const at = Date.UTC(+stamp.slice(0, 4), +stamp.slice(4, 6) - 1, +stamp.slice(6, 8), +stamp.slice(8, 10), +stamp.slice(10, 12), +stamp.slice(12, 14));
  assert.ok(at >= before - 1000 && at <= Date.now(), 'named after the current UTC time');
  const live = await client.get<Backup>(VeleroResources.backups, m[1] ?? '', { namespace: ns });
  assert.deepEqual(live.spec, { includedNamespaces: ['shop'], ttl: '48h0m0s' });
  assert.deepEqual(live.metadata.labels, { team: 'ops', 'velero.io/schedule-name': 'daily' });
  const printed = await skiff('backup', 'create', 'copy', '--from-schedule', 'daily', '-o', 'json');
  assert.equal(JSON.parse(printed.stdout).metadata.name, 'copy');
  assert.equal(await client.getIfExists(VeleroResources.backups, 'copy', { namespace: ns }), undefined, '-o creates nothing');
  const missing = await skiff('backup', 'create', '--from-schedule', 'weekly');
  assert.equal(missing.stderr, 'An error occurred: schedules.velero.io "weekly" not found\n');
});

test('create --wait: follows the phases until a final one, dots without a terminal, exit 0 even on failure', async (t) => {
  const { client, ns, skiff } = await setup(t);
  const waiting = skiff('backup', 'create', 'w1', '--wait');
  // Stand in for the server: move the backup along once it exists.
  let seen: Backup | undefined;
  for (let i = 0; i < 200 && !seen; i++) {
    await new Promise((r) => setTimeout(r, 50));
    seen = await client.getIfExists<Backup>(VeleroResources.backups, 'w1', { namespace: ns });
  }
  await setStatus(client, ns, 'w1', { phase: 'InProgress', progress: { totalItems: 10, itemsBackedUp: 3 } });
  await new Promise((r) => setTimeout(r, 1200));
  await setStatus(client, ns, 'w1', { phase: 'FailedValidation', validationErrors: ['the storage location is unavailable'] });
  const r = await waiting;
  assert.equal(r.code, 0, r.stderr);
  assert.match(
    r.stdout,
    /^Backup request "w1" submitted successfully\.\nWaiting for backup to complete\. You may safely press ctrl-c to stop waiting - your backup will continue in the background\.\n\.+\nBackup completed with status: FailedValidation\. You may check for more information using the commands `skiff backup describe w1` and `skiff backup logs w1`\.\nValidation errors:  the storage location is unavailable\n$/,
  );
});

test('create --wait: a backup deleted meanwhile ends the wait', async (t) => {
  const { client, ns, skiff } = await setup(t);
  const waiting = skiff('backup', 'create', 'w2', '-w');
  for (let i = 0; i < 200 && !(await client.getIfExists(VeleroResources.backups, 'w2', { namespace: ns })); i++) await new Promise((r) => setTimeout(r, 50));
  await client.delete(VeleroResources.backups, 'w2', { namespace: ns });
  const r = await waiting;
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /\nBackup "w2" was deleted before it completed\.\n$/);
});

test('create --wait on a terminal: a progress line rewritten in place instead of dots', async (t) => {
  const { client, ns, cluster } = await setup(t);
  const ctx = testContext({ tty: true, env: { KUBECONFIG: cluster.kubeconfig } });
  const waiting = run(['-n', ns, 'backup', 'create', 'w3', '--wait'], ctx);
  for (let i = 0; i < 200 && !(await client.getIfExists(VeleroResources.backups, 'w3', { namespace: ns })); i++) await new Promise((r) => setTimeout(r, 50));
  await setStatus(client, ns, 'w3', { phase: 'InProgress', progress: { totalItems: 450, itemsBackedUp: 120 } });
  await new Promise((r) => setTimeout(r, 300));
  await setStatus(client, ns, 'w3', { phase: 'Completed', progress: { totalItems: 450, itemsBackedUp: 450 } });
  const r = await waiting;
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /\r\x1b\[KInProgress, items backed up: 120\/450 \(\d+s\)/);
  assert.match(r.stdout, /\r\x1b\[KCompleted, items backed up: 450\/450 \(\d+s\)\nBackup completed with status: Completed\./);
  assert.doesNotMatch(r.stdout, /\.\.\./);
});
