/** S3 put/get/list/delete against the real MinIO with @aws-sdk/client-s3 (path-style, checksums only when required). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { DeleteObjectCommand, DeleteObjectsCommand, GetObjectCommand, ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3';
import { testCluster } from '../support/cluster.ts';

test('S3 put, get, list and delete against MinIO', async () => {
  const { s3, bucket } = await testCluster();
  const prefix = `s3-test-${randomBytes(4).toString('hex')}/`;
  const payload = randomBytes(256 * 1024);
  await s3.send(new PutObjectCommand({ Bucket: bucket, Key: `${prefix}backups/a/velero-backup.json`, Body: '{"a":1}', ContentType: 'application/json' }));
  await s3.send(new PutObjectCommand({ Bucket: bucket, Key: `${prefix}backups/a/a.tar.gz`, Body: payload }));
  await s3.send(new PutObjectCommand({ Bucket: bucket, Key: `${prefix}backups/b/velero-backup.json`, Body: '{"b":2}' }));
  await s3.send(new PutObjectCommand({ Bucket: bucket, Key: `${prefix}restores/r/restore-r-logs.gz`, Body: 'x' }));

  const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: `${prefix}backups/a/a.tar.gz` }));
  assert.deepEqual(Buffer.from(await got.Body!.transformToByteArray()), payload);
  assert.equal(await (await s3.send(new GetObjectCommand({ Bucket: bucket, Key: `${prefix}backups/a/velero-backup.json` }))).Body!.transformToString(), '{"a":1}');

  const dirs = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: `${prefix}backups/`, Delimiter: '/' }));
  assert.deepEqual(dirs.CommonPrefixes?.map((p) => p.Prefix), [`${prefix}backups/a/`, `${prefix}backups/b/`]);
  const all = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, MaxKeys: 2 }));
  assert.equal(all.KeyCount, 2);
  assert.equal(all.IsTruncated, true);
  const rest = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: all.NextContinuationToken }));
  assert.equal((all.Contents?.length ?? 0) + (rest.Contents?.length ?? 0), 4);

  await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: `${prefix}restores/r/restore-r-logs.gz` }));
  const keys = [...(all.Contents ?? []), ...(rest.Contents ?? [])].map((o) => ({ Key: o.Key! }));
  const deleted = await s3.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: keys } }));
  assert.equal(deleted.Errors?.length ?? 0, 0);
  const after = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix }));
  assert.equal(after.KeyCount, 0);
  await assert.rejects(s3.send(new GetObjectCommand({ Bucket: bucket, Key: `${prefix}backups/a/a.tar.gz` })), { name: 'NoSuchKey' });
});
