/** @module storage/registry.test: provider names, bucket rules and the local provider's config. */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ObjectNotFoundError, StorageError, isObjectNotFound, isStorageError, redact, describeTarget } from './errors.ts';
import { canonicalProvider, createObjectStore } from './registry.ts';

const root = await mkdtemp(join(tmpdir(), 'skiff-registry-'));
after(() => rm(root, { recursive: true, force: true }));
const credential = '[default]\naws_access_key_id=AKIDEXAMPLE\naws_secret_access_key=not-a-real-secret-key\n';

test('provider names: Velero\'s and Skiff\'s spellings; gcp and azure are not available yet', async () => {
  assert.equal(canonicalProvider('aws'), 'aws');
  assert.equal(canonicalProvider('velero.io/aws'), 'aws');
  assert.equal(canonicalProvider('skiff.io/local'), 'local');
  assert.equal(canonicalProvider('velero.io/gcp'), undefined);
  await assert.rejects(createObjectStore({ provider: 'velero.io/gcp', bucket: 'b', env: {} }), (err: unknown) => {
    assert.ok(isStorageError(err, 'InvalidConfig'));
    assert.match(err.message, /unknown object storage provider "velero\.io\/gcp"\. Provider "velero\.io\/gcp" is not available yet\. Known providers: aws, velero\.io\/aws, local, skiff\.io\/local/);
    return true;
  });
  await assert.rejects(createObjectStore({ provider: 'acme/s3', bucket: 'b', env: {} }), /unknown object storage provider "acme\/s3"\. Known providers: .*\(gcp and azure are not available yet\)/);
});

test("bucket names: / trimmed; a / inside is a prefix in the wrong field (ARNs excepted)", async () => {
  const store = await createObjectStore({ provider: 'aws', bucket: '/b/', config: { s3Url: 'http://127.0.0.1:1' }, credential, env: {} });
  assert.equal(store.bucket, 'b');
  await store.close();
  await assert.rejects(createObjectStore({ provider: 'aws', bucket: 'b/p', env: {} }), /must not contain a '\/' \(put a prefix in objectStorage\.prefix instead\)/);
  await assert.rejects(createObjectStore({ provider: 'aws', bucket: '', env: {} }), /bucket is required/);
  const arn = await createObjectStore({ provider: 'aws', bucket: 'arn:aws:s3::123456789012:accesspoint/mrap.mrap', config: { region: 'us-east-1' }, credential, env: {} });
  await arn.close();
});

test('local: config.path or the passed root; createBucket; unknown keys refused', async () => {
  const viaConfig = await createObjectStore({ provider: 'local', bucket: 'one', config: { path: root, createBucket: 'true' }, env: {} });
  assert.equal((await stat(join(root, 'one'))).isDirectory(), true);
  await viaConfig.putObject('k', 'v');
  await viaConfig.close();
  const viaRoot = await createObjectStore({ provider: 'skiff.io/local', bucket: 'one', localRoot: root, env: {} });
  assert.equal(await viaRoot.objectExists('k'), true);
  await assert.rejects(createObjectStore({ provider: 'local', bucket: 'one', env: {} }), /config\.path .* is required/);
  await assert.rejects(createObjectStore({ provider: 'local', bucket: 'one', localRoot: root, config: { dir: '/x' }, env: {} }), /unknown config key "dir" \(known keys: path, createBucket, bucket, prefix\)/);
  await assert.rejects(createObjectStore({ provider: 'local', bucket: 'one', localRoot: root, config: { createBucket: 'maybe' }, env: {} }), /could not parse createBucket "maybe"/);
  const missing = await createObjectStore({ provider: 'local', bucket: 'two', localRoot: root, env: {} });
  await assert.rejects(missing.listCommonPrefixes('', '/'), (err: unknown) => isStorageError(err, 'NoSuchBucket'));
});

test('errors: reasons, targets, and redaction of keys, tokens and signed URL queries', () => {
  const nf = new ObjectNotFoundError({ provider: 'aws', bucket: 'b', key: 'k' });
  assert.ok(nf instanceof StorageError && isObjectNotFound(nf));
  assert.equal(nf.message, 'getObject: key "k" in aws bucket "b" does not exist');
  assert.equal(describeTarget({ provider: 'local', bucket: 'x' }), 'local bucket "x"');
  const text = 'GET https://s3.example/b/k?X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F2026&X-Amz-Signature=deadbeef failed; key ASIAIOSFODNN7EXAMPLE; secret s3cr3t-v4lue-long';
  const out = redact(text, ['s3cr3t-v4lue-long', 'short']);
  assert.equal(out, 'GET https://s3.example/b/k?[redacted] failed; key [redacted]; secret [redacted]');
  assert.equal(redact('X-Amz-Security-Token=abc&x=1'), 'X-Amz-Security-Token=[redacted]&x=1');
});
