/** @module api/labels.test — labelSafeName (Velero's GetValidName) and the constants' spelling. */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import {
  BACKUP_FORMAT_VERSION,
  BACKUP_PHASES,
  FINALIZER_RESTORE_EXTERNAL_RESOURCES,
  GROUP_VERSION_V1,
  GROUP_VERSION_V2ALPHA1,
  LABEL_BACKUP_NAME,
  LABEL_STORAGE_LOCATION,
  csiVolumeSnapshotClassAnnotation,
  labelSafeName,
} from './labels.ts';

const sha6 = (s: string): string => createHash('sha256').update(s).digest('hex').slice(0, 6);

test('labelSafeName keeps names up to 63 characters', () => {
  assert.equal(labelSafeName(''), '');
  assert.equal(labelSafeName('nightly'), 'nightly');
  const n63 = 'a'.repeat(63);
  assert.equal(labelSafeName(n63), n63);
});

test('labelSafeName shortens longer names to 57 characters plus 6 hex digits of their SHA-256', () => {
  for (const length of [64, 100]) {
    const name = Array.from({ length }, (_, i) => String.fromCharCode(97 + (i % 26))).join('');
    const safe = labelSafeName(name);
    assert.equal(safe.length, 63);
    assert.equal(safe, name.slice(0, 57) + sha6(name));
    assert.match(safe.slice(57), /^[0-9a-f]{6}$/);
  }
  // Two names sharing the first 57 characters still get different values.
  const base = 'x'.repeat(60);
  assert.notEqual(labelSafeName(`${base}-aaaa`), labelSafeName(`${base}-bbbb`));
});

test('constants are spelled as Velero spells them', () => {
  assert.equal(LABEL_BACKUP_NAME, 'velero.io/backup-name');
  assert.equal(LABEL_STORAGE_LOCATION, 'velero.io/storage-location');
  assert.equal(FINALIZER_RESTORE_EXTERNAL_RESOURCES, 'restores.velero.io/external-resources-finalizer');
  assert.equal(BACKUP_FORMAT_VERSION, '1.1.0');
  assert.equal(GROUP_VERSION_V1, 'velero.io/v1');
  assert.equal(GROUP_VERSION_V2ALPHA1, 'velero.io/v2alpha1');
  assert.equal(BACKUP_PHASES.length, 13);
  assert.equal(csiVolumeSnapshotClassAnnotation('EBS.csi.aws.com'), 'velero.io/csi-volumesnapshot-class_ebs.csi.aws.com');
});
