/** @module api/validate.test — every kind's schema against real Velero output and full objects; field-named errors. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { KubeObject } from '../kube/index.ts';
import { fixtureObjects } from './fixture.ts';
import { VELERO_KINDS, type VeleroKind } from './kinds.ts';
import { fullObjects } from './testing.ts';
import {
  ApiValidationError,
  assertValid,
  formatFieldErrors,
  isValid,
  validate,
  validateAgainst,
  validateBackup,
  validateSchedule,
} from './validate.ts';
import { BackupSpecSchema, type Backup } from './backup.ts';
import { newBackup, newSchedule } from './factories.ts';

function messages(kind: VeleroKind, obj: unknown): string[] {
  const r = validate(kind, obj);
  return r.valid ? [] : r.errors.map((e) => `${e.field}: ${e.message}`);
}

test('the fixture bucket holds Backups, and each validates as a Backup', () => {
  const objects = fixtureObjects();
  assert.ok(objects.filter((o) => o.kind === 'Backup').length >= 2, 'both fixture backups were read');
  for (const { file, kind, object } of objects) {
    const r = validate(kind as VeleroKind, object);
    assert.equal(r.valid, true, `${file}: ${r.valid ? '' : formatFieldErrors(r.errors)}`);
  }
});

test('a fully populated object of every kind validates', () => {
  const all = fullObjects('velero');
  assert.deepEqual(Object.keys(all).sort(), VELERO_KINDS.map((k) => k.kind).sort());
  for (const [kind, obj] of Object.entries(all)) {
    assert.deepEqual(messages(kind as VeleroKind, obj), [], kind);
    assert.equal(isValid(kind as VeleroKind, obj), true);
  }
});

test('errors name the field and say what is wrong', () => {
  const backup = {
    ...newBackup('b', 'velero'),
    spec: {
      ttl: '30 days',
      includedNamespaces: 'default',
      snapshotVolumes: 'yes',
      labelSelector: { matchLabels: { 'app.kubernetes.io/name': 7 }, matchExpressions: [{ key: 'x' }] },
      hooks: { resources: [{ name: 'h', pre: [{ exec: { command: [], onError: 'Ignore' } }] }] },
    },
    status: { phase: 'Done', startTimestamp: 'yesterday', progress: { totalItems: 1.5 } },
  };
  // Compared as sets: the order is TypeBox's walk of the schema, which is not part of the contract.
  assert.deepEqual(messages('Backup', backup).sort(), [
    'spec.includedNamespaces: must be an array or null',
    'spec.labelSelector.matchLabels["app.kubernetes.io/name"]: must be a string',
    'spec.labelSelector.matchExpressions[0].operator: is required',
    'spec.snapshotVolumes: must be a boolean or null',
    'spec.ttl: must be a Go duration like 720h0m0s, 10m or 1h30m',
    'spec.hooks.resources[0].pre[0].exec.command: must have at least 1 item(s)',
    'spec.hooks.resources[0].pre[0].exec.onError: must be one of "Continue", "Fail"',
    'status.phase: must be one of "New", "Queued", "ReadyToStart", "FailedValidation", "InProgress", "WaitingForPluginOperations", "WaitingForPluginOperationsPartiallyFailed", "Finalizing", "FinalizingPartiallyFailed", "Completed", "PartiallyFailed", "Failed", "Deleting"',
    'status.startTimestamp: must be an RFC 3339 time like 2025-01-02T03:04:05Z',
    'status.progress.totalItems: must be an integer',
  ].sort());
});

test('required fields, wrong kind and non-objects are reported', () => {
  assert.deepEqual(messages('Schedule', { kind: 'Schedule', metadata: {}, spec: { template: {} } }), ['spec.schedule: is required']);
  assert.deepEqual(messages('Backup', { kind: 'Restore', metadata: {} }), ['kind: must be "Backup"']);
  assert.deepEqual(messages('Backup', { spec: {} }), ['metadata: is required']);
  assert.deepEqual(messages('Backup', 'a backup'), ['(root): must be an object']);
  assert.deepEqual(messages('BackupStorageLocation', { metadata: {}, spec: { provider: 'aws', objectStorage: { bucket: 'b', caCert: 'not base64!' } } }), [
    'spec.objectStorage.caCert: must be base64',
  ]);
  assert.deepEqual(messages('DownloadRequest', { metadata: {}, spec: { target: { kind: 'Everything', name: 'b' } } }).length, 1);
});

test('more than eight errors are all reported', () => {
  const spec: Record<string, unknown> = {};
  for (const f of ['ttl', 'csiSnapshotTimeout', 'itemOperationTimeout']) spec[f] = 'x';
  for (const f of ['storageLocation', 'datamover', 'volumeGroupSnapshotLabelKey']) spec[f] = 1;
  for (const f of ['snapshotVolumes', 'snapshotMoveData', 'defaultVolumesToFsBackup', 'includeClusterResources']) spec[f] = 'x';
  const r = validateBackup({ metadata: {}, spec });
  assert.equal(r.valid, false);
  assert.equal(r.valid ? 0 : r.errors.length, 10);
});

test('nullable fields accept null; unknown fields are allowed (the API server prunes them)', () => {
  const b = newBackup('b', 'velero', { includedNamespaces: null, labelSelector: null, snapshotVolumes: null });
  const withExtra = { ...b, spec: { ...b.spec, someFutureField: { a: 1 } }, status: { expiration: null } };
  assert.deepEqual(messages('Backup', withExtra), []);
});

test('validateAgainst checks a part, with a base path', () => {
  const r = validateAgainst(BackupSpecSchema, { ttl: 'soon' }, 'spec');
  assert.equal(r.valid, false);
  assert.deepEqual(r.valid ? [] : r.errors, [{ field: 'spec.ttl', message: 'must be a Go duration like 720h0m0s, 10m or 1h30m' }]);
  assert.equal(validateAgainst(BackupSpecSchema, { ttl: '1h' }).valid, true);
});

test('assertValid returns the typed object or throws listing every field', () => {
  const ok: Backup = assertValid('Backup', newBackup('b', 'velero', { ttl: '24h0m0s' }));
  assert.equal(ok.spec?.ttl, '24h0m0s');
  assert.throws(
    () => assertValid('Schedule', { metadata: {}, spec: { schedule: 1, template: { ttl: 'x' } } }),
    (err: unknown) => {
      assert.ok(err instanceof ApiValidationError);
      assert.equal(err.message, 'invalid Schedule:\nspec.template.ttl: must be a Go duration like 720h0m0s, 10m or 1h30m\nspec.schedule: must be a string');
      assert.equal(err.errors.length, 2);
      return true;
    },
  );
  assert.equal(validateSchedule(newSchedule('s', 'velero', { schedule: '@daily', template: {} })).valid, true);
});

test('typed objects are KubeObjects for the kube client', () => {
  const obj: KubeObject = newBackup('b', 'velero');
  assert.equal(obj.metadata.name, 'b');
});
