import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runDeletionSteps, type DeletionContext } from './deletion-steps.ts';

test('deletion steps run in order; returned and thrown errors are collected, named by step, and do not stop the rest', async () => {
  const ran: string[] = [];
  const ctx = { signal: new AbortController().signal } as DeletionContext;
  const errors = await runDeletionSteps(
    [
      { name: 'snapshots', run: async () => (ran.push('snapshots'), ['snap-1 could not be deleted']) },
      { name: 'volume data', run: async () => { ran.push('volume data'); throw new Error('repository unreachable'); } },
      { name: 'clean', run: async () => (ran.push('clean'), []) },
    ],
    ctx,
  );
  assert.deepEqual(ran, ['snapshots', 'volume data', 'clean']);
  assert.deepEqual(errors, ['snapshots: snap-1 could not be deleted', 'volume data: repository unreachable']);
  assert.deepEqual(await runDeletionSteps([], ctx), []);
});

test('a step interrupted by the server stopping aborts the deletion instead of being recorded as a failure', async () => {
  const ac = new AbortController();
  const ctx = { signal: ac.signal } as DeletionContext;
  await assert.rejects(
    runDeletionSteps([{ name: 'slow', run: async () => { ac.abort(new Error('stopping')); throw new Error('aborted'); } }], ctx),
    /aborted/,
  );
});
