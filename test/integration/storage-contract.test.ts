/** The ObjectStore contract against the real MinIO, through the aws provider as a BSL would configure it. */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { ListMultipartUploadsCommand } from '@aws-sdk/client-s3';
import { createObjectStore, type ObjectStore } from '../../src/storage/index.ts';
import { objectStoreContract } from '../../src/storage/testing/index.ts';
import { testCluster } from '../support/cluster.ts';

const MiB = 1024 * 1024;
/** Small parts and two in flight: the 40 MiB stream then crosses eight parts, with about 20 MiB buffered. */
const TUNING = { partSize: 5 * MiB, queueSize: 2 };

async function minioStore(bucket?: string): Promise<ObjectStore> {
  const { state } = await testCluster();
  return createObjectStore({
    provider: 'aws',
    bucket: bucket ?? state.s3.bucket,
    config: { region: state.s3.region, s3Url: state.s3.endpoint, s3ForcePathStyle: 'true' },
    credential: await readFile(state.s3.credentialsFile),
    env: {},
    aws: TUNING,
  });
}

objectStoreContract('aws on MinIO', () => minioStore(), {
  missingBucket: () => minioStore(`skiff-missing-${randomBytes(4).toString('hex')}`),
  assertNoUploadLeftovers: async (_store, key) => {
    const { s3, bucket } = await testCluster();
    const out = await s3.send(new ListMultipartUploadsCommand({ Bucket: bucket, Prefix: key }));
    assert.deepEqual(out.Uploads ?? [], [], `no multipart upload is left for ${key}`);
  },
  // Measured about 21 MiB; a stream buffered whole would hold 40 MiB or more.
  maxBufferedBytes: TUNING.partSize * (TUNING.queueSize + 3),
});
