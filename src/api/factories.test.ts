/** @module api/factories.test — new objects carry apiVersion, kind and metadata, and validate. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { newBackup, newDataUpload, newObject, newServerStatusRequest } from './factories.ts';
import { VELERO_KINDS } from './kinds.ts';
import { validate } from './validate.ts';

test('factories fill apiVersion, kind, name and namespace', () => {
  assert.deepEqual(newBackup('nightly', 'velero', { ttl: '24h0m0s' }), {
    apiVersion: 'velero.io/v1',
    kind: 'Backup',
    metadata: { name: 'nightly', namespace: 'velero' },
    spec: { ttl: '24h0m0s' },
  });
  assert.equal(newDataUpload('du', 'velero', { operationTimeout: '10m0s' }).apiVersion, 'velero.io/v2alpha1');
  assert.deepEqual(newServerStatusRequest('', 'velero', { generateName: 'velero-cli-' }).metadata, { generateName: 'velero-cli-', namespace: 'velero' });
});

test('every kind has a factory result with the right apiVersion', () => {
  for (const { kind, version } of VELERO_KINDS) {
    const obj = newObject(kind, 'x', 'velero', {} as never);
    assert.equal(obj.apiVersion, `velero.io/${version}`);
    assert.equal(obj.kind, kind);
  }
  assert.equal(validate('Backup', newBackup('b', 'velero')).valid, true);
});
