/** @module storage/aws/config.test: BSL config validation and the checksum defaults of ADR 0005/0006. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isStorageError } from '../errors.ts';
import { AWS_CONFIG_KEYS, parseAwsConfig, parseGoBool } from './config.ts';

const invalid = (pattern: RegExp) => (err: unknown): boolean => isStorageError(err, 'InvalidConfig') && pattern.test((err as Error).message);

test('defaults: AWS itself, CRC32 request checksums, profile "default"', () => {
  const s = parseAwsConfig({});
  assert.equal(s.region, undefined);
  assert.equal(s.s3Url, undefined);
  assert.equal(s.forcePathStyle, false);
  assert.equal(s.insecureSkipTLSVerify, false);
  assert.equal(s.profile, 'default');
  assert.deepEqual(s.checksum, { request: 'WHEN_SUPPORTED', response: 'WHEN_SUPPORTED', algorithm: 'CRC32' });
});

test('a custom s3Url gets checksums only when required, both ways, unless an algorithm is named', () => {
  assert.deepEqual(parseAwsConfig({ s3Url: 'http://minio:9000/' }).checksum, { request: 'WHEN_REQUIRED', response: 'WHEN_REQUIRED', algorithm: undefined });
  assert.equal(parseAwsConfig({ s3Url: 'http://minio:9000/' }).s3Url, 'http://minio:9000');
  assert.deepEqual(parseAwsConfig({ s3Url: 'https://r2.example', checksumAlgorithm: 'CRC32C' }).checksum, { request: 'WHEN_SUPPORTED', response: 'WHEN_REQUIRED', algorithm: 'CRC32C' });
  assert.deepEqual(parseAwsConfig({ checksumAlgorithm: '' }).checksum, { request: 'WHEN_REQUIRED', response: 'WHEN_SUPPORTED', algorithm: undefined });
  assert.deepEqual(parseAwsConfig({ checksumAlgorithm: 'SHA256' }).checksum, { request: 'WHEN_SUPPORTED', response: 'WHEN_SUPPORTED', algorithm: 'SHA256' });
  assert.throws(() => parseAwsConfig({ checksumAlgorithm: 'crc32' }), invalid(/invalid checksumAlgorithm "crc32" \(one of "", "CRC32", "CRC32C", "SHA1", "SHA256"\)/));
});

test('unknown keys are refused, all of them named, with the known ones listed', () => {
  assert.throws(() => parseAwsConfig({ region: 'x', regoin: 'y', s3url: 'z' }, 'b'), (err: unknown) => {
    assert.ok(isStorageError(err, 'InvalidConfig'));
    assert.match(err.message, /unknown config keys "regoin", "s3url" \(known keys: /);
    for (const k of AWS_CONFIG_KEYS) assert.ok(err.message.includes(k), k);
    assert.equal(err.bucket, 'b');
    return true;
  });
  // Velero adds these itself; the plugin takes them.
  parseAwsConfig({ bucket: 'b', prefix: 'p', credentialsFile: '/credentials/cloud', caCert: 'PEM', enableSharedConfig: 'true', signatureVersion: '4' });
});

test("booleans parse like Go's strconv.ParseBool", () => {
  for (const v of ['1', 't', 'T', 'true', 'TRUE', 'True']) assert.equal(parseGoBool(v), true, v);
  for (const v of ['0', 'f', 'F', 'false', 'FALSE', 'False']) assert.equal(parseGoBool(v), false, v);
  assert.equal(parseAwsConfig({ s3ForcePathStyle: 'True', insecureSkipTLSVerify: '1' }).forcePathStyle, true);
  assert.equal(parseAwsConfig({ s3ForcePathStyle: '' }).forcePathStyle, false);
  assert.throws(() => parseAwsConfig({ s3ForcePathStyle: 'yes' }), invalid(/could not parse s3ForcePathStyle "yes"/));
});

test('URLs, signature versions, encryption and tags are checked', () => {
  assert.throws(() => parseAwsConfig({ s3Url: 'minio:9000' }), invalid(/invalid s3Url "minio:9000": it must be an http:\/\/ or https:\/\/ URL/));
  assert.throws(() => parseAwsConfig({ publicUrl: 'ftp://x' }), invalid(/invalid publicUrl/));
  assert.throws(() => parseAwsConfig({ signatureVersion: '1' }), invalid(/signatureVersion "1" is not supported/));
  assert.throws(() => parseAwsConfig({ kmsKeyId: 'k', customerKeyEncryptionFile: '/f' }), invalid(/cannot be used together/));
  assert.throws(() => parseAwsConfig({ tagging: '=v' }), invalid(/invalid tagging/));
  assert.equal(parseAwsConfig({ tagging: 'a=b&c=d%20e' }).tagging, 'a=b&c=d%20e');
  assert.equal(parseAwsConfig({ serverSideEncryption: 'AES256' }).serverSideEncryption, 'AES256');
});
