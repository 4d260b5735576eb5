/** @module storage/sidecars.test: Go's JSON escaping, sidecar encoding and velero-backup.json decoding. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { gunzipSync } from 'node:zlib';
import { isStorageError } from './errors.ts';
import { decodeBackupMetadata, decodeSidecar, encodeBackupMetadata, encodeSidecar, goJson, normalizedResults, sortedResourceList } from './sidecars.ts';

test("goJson escapes what Go's encoding/json escapes", () => {
  assert.equal(goJson({ a: '<b> & \u2028\u2029' }), '{"a":"\\u003cb\\u003e \\u0026 \\u2028\\u2029"}');
  assert.equal(goJson({ a: [1, { b: null }] }, 2), '{\n  "a": [\n    1,\n    {\n      "b": null\n    }\n  ]\n}');
  assert.throws(() => goJson(undefined), (err: unknown) => isStorageError(err, 'InvalidArgument'));
});

test('a sidecar is compact JSON, a newline, gzipped; it decodes back', async () => {
  const gz = await encodeSidecar([{ a: 1 }]);
  assert.equal(gunzipSync(gz).toString(), '[{"a":1}]\n');
  assert.deepEqual(await decodeSidecar(gz, 'x'), [{ a: 1 }]);
  await assert.rejects(decodeSidecar(Buffer.from('plain'), 'the key'), (err: unknown) => isStorageError(err, 'InvalidData') && /the key is not gzip data/.test((err as Error).message));
  await assert.rejects(decodeSidecar(Buffer.from([0x1f, 0x8b]), 'k'), (err: unknown) => isStorageError(err, 'InvalidData'), 'truncated gzip');
  await assert.rejects(decodeSidecar(await encodeSidecar('x').then((b) => b.subarray(0, 0)), 'k'), (err: unknown) => isStorageError(err, 'InvalidData'), 'empty');
});

test('map-shaped sidecars take Go map order', () => {
  assert.deepEqual(Object.keys(sortedResourceList({ 'v1/Pod': ['b', 'a'], 'apps/v1/Deployment': [] })), ['apps/v1/Deployment', 'v1/Pod']);
  assert.deepEqual(sortedResourceList({ 'v1/Pod': ['b', 'a'] })['v1/Pod'], ['a', 'b']);
  assert.equal(JSON.stringify(normalizedResults({ warnings: { cluster: ['c'], velero: [] }, errors: { namespaces: { b: ['2'], a: [] } } })), '{"errors":{"namespaces":{"a":[],"b":["2"]}},"warnings":{"cluster":["c"]}}');
  assert.equal(JSON.stringify(normalizedResults({})), '{"errors":{},"warnings":{}}');
});

test('velero-backup.json: kind and apiVersion first; decoding requires them', () => {
  const text = encodeBackupMetadata('b', { status: { phase: 'New' }, metadata: { name: 'b' }, apiVersion: 'velero.io/v1', kind: 'Backup' });
  assert.deepEqual(Object.keys(JSON.parse(text) as object), ['kind', 'apiVersion', 'status', 'metadata']);
  assert.equal(decodeBackupMetadata(text, 'k').status?.phase, 'New');
  assert.throws(() => decodeBackupMetadata('{"apiVersion":"velero.io/v1"}', 'k'), (err: unknown) => isStorageError(err, 'InvalidData'));
  assert.throws(() => decodeBackupMetadata('[]', 'k'), (err: unknown) => isStorageError(err, 'InvalidData'));
  assert.throws(() => decodeBackupMetadata('{', 'key k'), (err: unknown) => isStorageError(err, 'InvalidData') && /key k is not valid JSON/.test((err as Error).message));
});
