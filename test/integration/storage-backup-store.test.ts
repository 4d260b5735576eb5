/** BackupStore on Velero 1.18.3's real bucket, copied into the real MinIO: under a prefix, and at a fresh bucket's root. */
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { CreateBucketCommand, DeleteBucketCommand } from '@aws-sdk/client-s3';
import { createObjectStore, type ObjectStore } from '../../src/storage/index.ts';
import { backupStoreFixtureSuite } from '../../src/storage/testing/index.ts';
import { testCluster } from '../support/cluster.ts';

async function minioStore(bucket: string): Promise<ObjectStore> {
  const { state } = await testCluster();
  return createObjectStore({
    provider: 'velero.io/aws',
    bucket,
    config: { region: state.s3.region, s3Url: state.s3.endpoint, s3ForcePathStyle: 'true' },
    credential: await readFile(state.s3.credentialsFile),
    env: {},
  });
}

backupStoreFixtureSuite('aws on MinIO, under a prefix', async () => {
  const { bucket } = await testCluster();
  return { objectStore: await minioStore(bucket), prefix: `velero-fixture-${randomBytes(4).toString('hex')}` };
});

// The bucket root needs a bucket of its own: the shared one holds other tests' top-level prefixes.
backupStoreFixtureSuite('aws on MinIO, at the root of its own bucket', async () => {
  const { s3 } = await testCluster();
  const bucket = `skiff-fixture-${randomBytes(4).toString('hex')}`;
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  // BucketNotEmpty here would mean the suite left objects behind.
  return { objectStore: await minioStore(bucket), prefix: '', cleanup: async () => void (await s3.send(new DeleteBucketCommand({ Bucket: bucket }))) };
});
