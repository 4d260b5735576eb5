/** @module storage/aws/errors.test: SDK and socket failures map to stable reasons; messages are redacted. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ObjectNotFoundError } from '../errors.ts';
import { awsReason, toStorageError } from './errors.ts';

const sdk = (name: string, status?: number, message = 'msg'): Error => Object.assign(new Error(message), { name, ...(status ? { $metadata: { httpStatusCode: status } } : {}) });

test('reasons from error names, socket codes and HTTP statuses', () => {
  const cases: Array<[unknown, string]> = [
    [sdk('NoSuchKey', 404), 'NotFound'],
    [sdk('NotFound', 404), 'NotFound'],
    [sdk('UnknownError', 404), 'NotFound'],
    [sdk('NoSuchBucket', 404), 'NoSuchBucket'],
    [sdk('AccessDenied', 403), 'AccessDenied'],
    [sdk('Forbidden', 403), 'AccessDenied'],
    [sdk('InvalidAccessKeyId', 403), 'InvalidCredentials'],
    [sdk('SignatureDoesNotMatch', 403), 'InvalidCredentials'],
    [sdk('CredentialsProviderError'), 'InvalidCredentials'],
    [sdk('PermanentRedirect', 301), 'InvalidConfig'],
    [sdk('SlowDown', 503), 'Throttled'],
    [sdk('Whatever', 503), 'Throttled'],
    [sdk('InternalError', 500), 'ServerError'],
    [sdk('Whatever', 502), 'ServerError'],
    [sdk('AbortError'), 'Aborted'],
    [sdk('TimeoutError'), 'Timeout'],
    [Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }), 'Network'],
    [Object.assign(new Error('getaddrinfo'), { code: 'ENOTFOUND' }), 'Network'],
    [Object.assign(new Error('self-signed certificate'), { code: 'DEPTH_ZERO_SELF_SIGNED_CERT' }), 'TLS'],
    [Object.assign(new Error('x'), { code: 'ERR_TLS_CERT_ALTNAME_INVALID' }), 'TLS'],
    [new Error('?'), 'Unknown'],
  ];
  for (const [err, reason] of cases) assert.equal(awsReason(err), reason, String(err));
});

test('messages name the operation, bucket and key, and carry no secret', () => {
  const secret = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';
  const err = sdk('SignatureDoesNotMatch', 403, `bad signature for AKIAIOSFODNN7EXAMPLE with ${secret} at https://s3.example/b/k?X-Amz-Signature=abc&X-Amz-Credential=AKIA`);
  const wrapped = toStorageError(err, { bucket: 'b', key: 'k', operation: 'getObject', secrets: [secret] });
  assert.equal(wrapped.reason, 'InvalidCredentials');
  assert.equal(wrapped.statusCode, 403);
  assert.match(wrapped.message, /^getObject: key "k" in aws bucket "b": the credentials were rejected/);
  assert.ok(!wrapped.message.includes(secret) && !wrapped.message.includes('AKIAIOSFODNN7EXAMPLE') && !wrapped.message.includes('X-Amz-Signature=abc'), wrapped.message);
  assert.equal(wrapped.cause, err);
});

test('a missing key becomes ObjectNotFoundError; network errors say where', () => {
  const nf = toStorageError(sdk('NoSuchKey', 404), { bucket: 'b', key: 'backups/x/velero-backup.json', operation: 'getObject', secrets: [] });
  assert.ok(nf instanceof ObjectNotFoundError);
  assert.equal(nf.message, 'getObject: key "backups/x/velero-backup.json" in aws bucket "b" does not exist');
  const net = toStorageError(Object.assign(new Error('connect ECONNREFUSED 10.0.0.1:9000'), { code: 'ECONNREFUSED' }), { bucket: 'b', operation: 'listObjects', secrets: [], endpoint: 'http://minio:9000' });
  assert.equal(net.reason, 'Network');
  assert.match(net.message, /the store could not be reached at http:\/\/minio:9000 \(connect ECONNREFUSED/);
});
