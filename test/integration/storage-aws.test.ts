/** The aws provider's own behaviour against the real MinIO: credential sources, errors without secrets, publicUrl, region, checksums, tags, aborted multipart uploads. */
import { after, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { GetObjectTaggingCommand, ListMultipartUploadsCommand, S3Client } from '@aws-sdk/client-s3';
import { request } from 'undici';
import { BackupStore, createObjectStore, isStorageError, type CreateObjectStoreOptions, type ObjectStore } from '../../src/storage/index.ts';
import { AwsObjectStore } from '../../src/storage/aws/aws-object-store.ts';
import { discoverBucketRegion } from '../../src/storage/aws/client.ts';
import { emptyPrefix, generatedStream, readAll, sha256Of } from '../../src/storage/testing/index.ts';
import { testCluster } from '../support/cluster.ts';

const MiB = 1024 * 1024;
const dir = await mkdtemp(join(tmpdir(), 'skiff-storage-aws-'));
after(() => rm(dir, { recursive: true, force: true }));
const base = `storage-aws-${randomBytes(4).toString('hex')}`;

type Overrides = Partial<CreateObjectStoreOptions> & { config?: Record<string, string> };

/** A store on the shared MinIO bucket, closed when the test ends (cleanups are per test: a file run alone stops its MinIO in a file-level hook). */
async function open(t: TestContext, overrides: Overrides = {}): Promise<ObjectStore> {
  const { state } = await testCluster();
  const { config, ...rest } = overrides;
  const store = await createObjectStore({
    provider: 'aws',
    bucket: state.s3.bucket,
    config: { region: state.s3.region, s3Url: state.s3.endpoint, s3ForcePathStyle: 'true', ...config },
    env: {},
    ...rest,
  });
  t.after(() => store.close());
  return store;
}

/** A key prefix for this test, emptied when it ends. */
async function scratch(t: TestContext): Promise<string> {
  const { state } = await testCluster();
  const p = `${base}/${randomBytes(3).toString('hex')}/`;
  t.after(async () => {
    const admin = await createObjectStore({ provider: 'aws', bucket: state.s3.bucket, config: { s3Url: state.s3.endpoint, s3ForcePathStyle: 'true' }, credential: await readFile(state.s3.credentialsFile), env: {} });
    await emptyPrefix(admin, p).finally(() => admin.close());
  });
  return p;
}

async function roundTrip(store: ObjectStore, prefix: string, name: string): Promise<void> {
  const key = `${prefix}${name}`;
  await store.putObject(key, `hello ${name}`);
  assert.equal((await readAll(await store.getObject(key))).toString(), `hello ${name}`);
}

test('credentials: the BSL credential, AWS_SHARED_CREDENTIALS_FILE, the environment, a named profile', async (t) => {
  const { state } = await testCluster();
  const prefix = await scratch(t);
  const creds = await readFile(state.s3.credentialsFile);
  const viaSecret = await open(t, { credential: creds, provider: 'velero.io/aws' });
  assert.equal((viaSecret as AwsObjectStore).credentialSource, 'bsl-credential');
  await roundTrip(viaSecret, prefix, 'via-secret');
  const viaFile = await open(t, { env: { AWS_SHARED_CREDENTIALS_FILE: state.s3.credentialsFile } });
  assert.equal((viaFile as AwsObjectStore).credentialSource, 'credentials-file');
  await roundTrip(viaFile, prefix, 'via-file');
  const viaEnv = await open(t, { env: { AWS_ACCESS_KEY_ID: state.s3.accessKeyId, AWS_SECRET_ACCESS_KEY: state.s3.secretAccessKey } });
  assert.equal((viaEnv as AwsObjectStore).credentialSource, 'environment');
  await roundTrip(viaEnv, prefix, 'via-env');
  const multi = `[default]\naws_access_key_id = nobody\naws_secret_access_key = nothing-at-all\n\n[profile backup]\naws_access_key_id = ${state.s3.accessKeyId}\naws_secret_access_key = ${state.s3.secretAccessKey}\n`;
  await roundTrip(await open(t, { credential: multi, config: { profile: 'backup' } }), prefix, 'via-profile');
  await assert.rejects(open(t, { credential: multi, config: { profile: 'missing' } }), (err: unknown) => isStorageError(err, 'InvalidConfig') && /profile "missing" is not in .*profiles: default, backup/.test((err as Error).message));
  await assert.rejects(open(t, { env: { AWS_SHARED_CREDENTIALS_FILE: join(dir, 'nope') } }), (err: unknown) => isStorageError(err, 'InvalidConfig') && /ENOENT/.test((err as Error).message));
});

test('rejected credentials fail clearly, and no message carries a key', async (t) => {
  const { state } = await testCluster();
  const prefix = await scratch(t);
  const badSecret = `wrong-${randomBytes(12).toString('hex')}`;
  const store = await open(t, { credential: `[default]\naws_access_key_id=${state.s3.accessKeyId}\naws_secret_access_key=${badSecret}\n` });
  const check = (err: unknown): boolean => {
    assert.ok(isStorageError(err, 'InvalidCredentials'), String(err));
    assert.ok(!err.message.includes(badSecret) && !err.message.includes(state.s3.accessKeyId), err.message);
    assert.match(err.message, new RegExp(state.s3.bucket));
    return true;
  };
  await assert.rejects(store.putObject(`${prefix}x`, 'x'), check);
  await assert.rejects(store.listCommonPrefixes(prefix, '/'), check);
  await assert.rejects(new BackupStore(store, { prefix: 'p' }).isValid(), check);
  const gone = await open(t, { credential: await readFile(state.s3.credentialsFile), bucket: `skiff-missing-${randomBytes(3).toString('hex')}` });
  await assert.rejects(new BackupStore(gone).isValid(), (err: unknown) => isStorageError(err, 'NoSuchBucket') && /bucket does not exist/.test((err as Error).message));
});

test('publicUrl: signed URLs point at the public address and work there', async (t) => {
  const { state } = await testCluster();
  const prefix = await scratch(t);
  const publicUrl = state.s3.endpoint.replace('127.0.0.1', 'localhost');
  const store = await open(t, { credential: await readFile(state.s3.credentialsFile), config: { publicUrl } });
  await store.putObject(`${prefix}public/file.txt`, 'public bytes');
  const url = await store.createSignedUrl(`${prefix}public/file.txt`, 600_000);
  assert.ok(url.startsWith(`${publicUrl}/${state.s3.bucket}/`), 'signed for publicUrl, path-style');
  assert.match(url, /X-Amz-Expires=600/);
  const res = await request(url);
  assert.equal(res.statusCode, 200);
  assert.equal(await res.body.text(), 'public bytes');
  await assert.rejects(store.createSignedUrl(`${prefix}public/file.txt`, 8 * 24 * 3600 * 1000), (err: unknown) => isStorageError(err, 'InvalidArgument'));
});

test("the bucket's region is discovered with HeadBucket", async () => {
  const { state } = await testCluster();
  const client = new S3Client({ region: 'us-east-1', endpoint: state.s3.endpoint, forcePathStyle: true, credentials: { accessKeyId: state.s3.accessKeyId, secretAccessKey: state.s3.secretAccessKey } });
  try {
    assert.match(await discoverBucketRegion(client, state.s3.bucket), /^[a-z0-9-]+$/);
  } finally {
    client.destroy();
  }
});

test('checksumAlgorithm CRC32 and CRC32C work for single and multipart uploads', async (t) => {
  const { state } = await testCluster();
  const prefix = await scratch(t);
  const credential = await readFile(state.s3.credentialsFile);
  for (const algorithm of ['CRC32', 'CRC32C']) {
    const store = await open(t, { credential, config: { checksumAlgorithm: algorithm }, aws: { partSize: 5 * MiB, queueSize: 2 } });
    await roundTrip(store, prefix, `checksum-${algorithm}`);
    const body = await generatedStream(12 * MiB);
    await store.putObject(`${prefix}checksum-${algorithm}.bin`, body.stream);
    assert.equal((await sha256Of(await store.getObject(`${prefix}checksum-${algorithm}.bin`))).hex, body.digest(), algorithm);
  }
  await assert.rejects(open(t, { credential, config: { checksumAlgorithm: 'MD5' } }), (err: unknown) => isStorageError(err, 'InvalidConfig') && /invalid checksumAlgorithm "MD5"/.test((err as Error).message));
});

test('tagging is applied to single and multipart uploads', async (t) => {
  const { state, s3 } = await testCluster();
  const prefix = await scratch(t);
  const store = await open(t, { credential: await readFile(state.s3.credentialsFile), config: { tagging: 'team=backup&env=test' }, aws: { partSize: 5 * MiB } });
  await store.putObject(`${prefix}tagged/small`, 'x');
  await store.putObject(`${prefix}tagged/large`, (await generatedStream(11 * MiB)).stream);
  for (const k of ['small', 'large']) {
    const tags = await s3.send(new GetObjectTaggingCommand({ Bucket: state.s3.bucket, Key: `${prefix}tagged/${k}` }));
    assert.deepEqual(Object.fromEntries((tags.TagSet ?? []).map((t) => [t.Key, t.Value])), { team: 'backup', env: 'test' }, k);
  }
});

test('a multipart upload whose source fails after parts were sent is aborted: no object, no upload', async (t) => {
  const { state, s3 } = await testCluster();
  const prefix = await scratch(t);
  const store = await open(t, { credential: await readFile(state.s3.credentialsFile), aws: { partSize: 5 * MiB, queueSize: 2 } });
  const key = `${prefix}half-uploaded.bin`;
  const uploads = async (): Promise<number> => ((await s3.send(new ListMultipartUploadsCommand({ Bucket: state.s3.bucket, Prefix: key }))).Uploads ?? []).length;
  let fail: (err: Error) => void = () => undefined;
  const failed = new Promise<never>((_, reject) => (fail = reject));
  failed.catch(() => undefined); // handled by the generator, perhaps only after the rejection
  async function* source(): AsyncGenerator<Buffer> {
    for (let i = 0; i < 4; i++) yield randomBytes(4 * MiB);
    await failed; // hold the stream open until the test has seen the multipart upload
  }
  const putting = store.putObject(key, Readable.from(source()));
  const deadline = Date.now() + 20_000;
  while ((await uploads()) === 0) {
    assert.ok(Date.now() < deadline, 'a multipart upload was started');
    await new Promise((r) => setTimeout(r, 50));
  }
  fail(new Error('the producer died'));
  await assert.rejects(putting, (err: unknown) => isStorageError(err, 'SourceFailed') && /the producer died/.test((err as Error).message));
  assert.equal(await uploads(), 0, 'the multipart upload was aborted');
  assert.equal(await store.objectExists(key), false);
});

test('unknown config keys are refused with the list of known ones, before any request', async (t) => {
  await assert.rejects(open(t, { config: { regoin: 'x' } }), (err: unknown) => isStorageError(err, 'InvalidConfig') && /unknown config key "regoin" \(known keys: region, s3Url, publicUrl,/.test((err as Error).message));
  await assert.rejects(open(t, { config: { s3ForcePathStyle: 'yes' } }), /could not parse s3ForcePathStyle "yes"/);
  await assert.rejects(open(t, { config: { s3Url: 'minio:9000' } }), /invalid s3Url "minio:9000"/);
  await writeFile(join(dir, 'key'), 'short');
  await assert.rejects(open(t, { config: { customerKeyEncryptionFile: join(dir, 'key') } }), /must hold exactly 32 bytes \(it holds 5\)/);
});
