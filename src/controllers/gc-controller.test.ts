import { test } from 'node:test';
import assert from 'node:assert/strict';
import { expiryOf, gcDecision } from './gc-controller.ts';
import type { BackupLike, LocationLike } from '../backup/index.ts';

const now = Date.parse('2026-06-01T12:00:00Z');
const backup = (status: Record<string, unknown>, meta: Record<string, unknown> = {}): BackupLike => ({ metadata: { name: 'b', ...meta }, status }) as BackupLike;

test('expiry: due once the expiration has passed and the backup has finished, in any finished phase', () => {
  assert.deepEqual(expiryOf(backup({ phase: 'Completed' }), now), { due: false });
  assert.deepEqual(expiryOf(backup({ phase: 'Completed', expiration: '2026-06-01T12:00:03Z' }), now), { due: false, atMs: now + 3000 });
  for (const phase of ['Completed', 'PartiallyFailed', 'Failed', 'FailedValidation', 'Deleting']) {
    assert.deepEqual(expiryOf(backup({ phase, expiration: '2026-06-01T12:00:00Z' }), now), { due: true }, phase);
  }
  for (const phase of ['', 'New', 'Queued', 'InProgress', 'Finalizing']) {
    assert.deepEqual(expiryOf(backup({ phase, expiration: '2026-06-01T11:00:00Z' }), now), { due: false }, `${phase}: collected once it finishes`);
  }
  assert.deepEqual(expiryOf(backup({ phase: 'Completed', expiration: '2026-06-01T11:00:00Z' }, { deletionTimestamp: '2026-06-01T11:00:00Z' }), now), { due: false });
});

test('decision: Velero labels for a missing, unreadable or read-only location; an unavailable one is retried; otherwise delete', () => {
  const loc = (spec: Record<string, unknown>, phase?: string): LocationLike => ({ metadata: { name: 'default' }, spec: { provider: 'aws', ...spec }, ...(phase ? { status: { phase } } : {}) });
  assert.deepEqual(gcDecision('missing'), { action: 'label', reason: 'BSLNotFound', retry: true });
  assert.deepEqual(gcDecision('unreadable'), { action: 'label', reason: 'BSLCannotGet', retry: true });
  assert.deepEqual(gcDecision(loc({ accessMode: 'ReadOnly' }, 'Available')), { action: 'label', reason: 'BSLReadOnly', retry: false });
  assert.deepEqual(gcDecision(loc({}, 'Unavailable')), { action: 'retry', why: 'backup storage location "default" is Unavailable' });
  assert.deepEqual(gcDecision(loc({})), { action: 'retry', why: 'backup storage location "default" is not validated yet' });
  assert.deepEqual(gcDecision(loc({ accessMode: 'ReadWrite' }, 'Available')), { action: 'delete' });
});
