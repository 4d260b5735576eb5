/** @module cli/commands/backup-location/build.test — `backup-location create -o`, flag errors and the get table, without a cluster. */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { validate, type BackupStorageLocation } from '../../../api/index.ts';
import { renderObjects } from '../../output/print.ts';
import { captureStream, removeDir, run, tempDir, testContext } from '../../testing.ts';
import { locationColumns } from './build.ts';

const dirs: string[] = [];
after(() => dirs.forEach(removeDir));

test('create -o json: velero field order, optional fields only when given, nothing sent', async () => {
  const dir = tempDir('skiff-bsl-');
  dirs.push(dir);
  writeFileSync(join(dir, 'ca.pem'), 'PEM DATA\n');
  const ctx = testContext({ cwd: dir });
  const r = await run(
    [
      'backup-location', 'create', 'main', '--provider', 'aws', '--bucket', 'velero', '--prefix', 'cluster-a',
      '--config', 'region=eu-west-1,"s3Url=http://minio:9000"', '--credential', 'cloud-credentials=cloud', '--labels', 'team=ops',
      '--default', '--access-mode', 'ReadOnly', '--backup-sync-period', '0s', '--validation-frequency', '90s', '--cacert', 'ca.pem', '-o', 'json',
    ],
    ctx,
  );
  assert.equal(r.code, 0, r.stderr);
  const bsl = JSON.parse(r.stdout) as BackupStorageLocation;
  assert.deepEqual(bsl, {
    apiVersion: 'velero.io/v1',
    kind: 'BackupStorageLocation',
    metadata: { name: 'main', namespace: 'velero', labels: { team: 'ops' } },
    spec: {
      provider: 'aws',
      config: { region: 'eu-west-1', s3Url: 'http://minio:9000' },
      credential: { name: 'cloud-credentials', key: 'cloud' },
      objectStorage: { bucket: 'velero', prefix: 'cluster-a', caCert: Buffer.from('PEM DATA\n').toString('base64') },
      default: true,
      accessMode: 'ReadOnly',
      backupSyncPeriod: '0s',
      validationFrequency: '1m30s',
    },
  });
  assert.deepEqual(Object.keys(bsl.spec ?? {}), ['provider', 'config', 'credential', 'objectStorage', 'default', 'accessMode', 'backupSyncPeriod', 'validationFrequency']);
  assert.equal(validate('BackupStorageLocation', bsl).valid, true);
  const minimal = JSON.parse((await run(['create', 'backup-location', 'b', '--provider', 'gcp', '--bucket', 'x', '-o', 'json'])).stdout) as BackupStorageLocation;
  assert.deepEqual(minimal.spec, { provider: 'gcp', objectStorage: { bucket: 'x' }, accessMode: 'ReadWrite' });
});

test('create: required flags, one credential pair, access modes, durations, a readable --cacert', async () => {
  const err = async (...args: string[]): Promise<string> => {
    const r = await run(['backup-location', 'create', 'x', ...args]);
    assert.equal(r.code, 1);
    return r.stderr;
  };
  assert.match(await err('--bucket', 'b'), /^Error: --provider is required\n/);
  assert.match(await err('--provider', 'aws'), /^Error: --bucket is required\n/);
  assert.match(await err('--provider', 'aws', '--bucket', 'b', '--credential', 'a=1,b=2'), /^Error: --credential can only contain 1 key\/value pair\n/);
  assert.match(await err('--provider', 'aws', '--bucket', 'b', '--access-mode', 'WriteOnly'), /^Error: invalid argument "WriteOnly" for "--access-mode" flag: valid values are ReadWrite, ReadOnly\n/);
  assert.match(await err('--provider', 'aws', '--bucket', 'b', '--backup-sync-period', '-1m'), /^Error: --backup-sync-period must be non-negative\n/);
  assert.match(await err('--provider', 'aws', '--bucket', 'b', '--cacert', '/nonexistent/ca.pem', '-o', 'yaml'), /^An error occurred: cannot read --cacert \/nonexistent\/ca.pem/);
  assert.match(await err('--provider', 'aws', '--bucket', 'b'), /no Kubernetes configuration found/, 'without -o it needs the cluster');
});

test('set: --credential takes one pair', async () => {
  const r = await run(['backup-location', 'set', 'x', '--credential', 'a=1,b=2']);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /^Error: --credential can only contain 1 key\/value pair\n/);
});

test('get table: Unknown phase and validation time, ReadWrite default, Default true or blank', () => {
  const items: BackupStorageLocation[] = [
    {
      metadata: { name: 'default' },
      spec: { provider: 'aws', objectStorage: { bucket: 'velero', prefix: 'a' }, default: true },
      status: { phase: 'Available', lastValidationTime: '2025-01-02T03:04:05Z' },
    },
    { metadata: { name: 'secondary' }, spec: { provider: 'velero.io/gcp', objectStorage: { bucket: 'bk' }, accessMode: 'ReadOnly' } },
  ];
  assert.equal(
    renderObjects(items, { format: 'table', kind: 'BackupStorageLocation', apiVersion: 'velero.io/v1', columns: locationColumns(), stdout: captureStream() }),
    [
      'NAME        PROVIDER        BUCKET/PREFIX   PHASE       LAST VALIDATED                  ACCESS MODE   DEFAULT',
      'default     aws             velero/a        Available   2025-01-02 03:04:05 +0000 UTC   ReadWrite     true',
      'secondary   velero.io/gcp   bk              Unknown     Unknown                         ReadOnly',
      '',
    ].join('\n'),
  );
});
