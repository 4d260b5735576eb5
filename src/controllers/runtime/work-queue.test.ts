/** The keyed work queue: one worker per key, dirty re-runs, concurrency, back-off, delays, shutdown. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { WorkQueue } from './work-queue.ts';
import { sleep } from '../../util/index.ts';

test('a key is never processed twice at once, and re-adding it while running runs it once more', async () => {
  const runs: string[] = [];
  let inFlightA = 0;
  let maxA = 0;
  const q = new WorkQueue(async (key) => {
    if (key === 'a') {
      inFlightA++;
      maxA = Math.max(maxA, inFlightA);
    }
    runs.push(key);
    await sleep(10);
    if (key === 'a') inFlightA--;
  }, { concurrency: 4 });
  q.add('a');
  await sleep(2);
  q.add('a');
  q.add('a');
  q.add('b');
  await q.idle();
  await q.idle();
  assert.equal(maxA, 1);
  assert.deepEqual(runs.filter((k) => k === 'a').length, 2, 'three adds while running coalesce into one more run');
  assert.ok(runs.includes('b'));
});

test('concurrency bounds different keys; queued duplicates are dropped', async () => {
  let active = 0;
  let peak = 0;
  const q = new WorkQueue(async () => {
    active++;
    peak = Math.max(peak, active);
    await sleep(5);
    active--;
  }, { concurrency: 3 });
  for (let i = 0; i < 20; i++) q.add(`k${i % 10}`);
  await q.idle();
  assert.equal(peak, 3);
});

test('failures retry with back-off; success after failures clears it; requeueAfterMs polls', async () => {
  let calls = 0;
  const errors: number[] = [];
  const q = new WorkQueue(async () => {
    calls++;
    if (calls < 3) throw new Error('not yet');
    if (calls === 3) return { requeueAfterMs: 5 };
    return undefined;
  }, { failureBackoff: { initialMs: 2, maxMs: 10 }, onError: (_k, _e, delay) => errors.push(delay) });
  q.add('x');
  for (let i = 0; i < 200 && calls < 4; i++) await sleep(5);
  assert.equal(calls, 4);
  assert.equal(errors.length, 2);
  assert.ok(errors[1]! >= errors[0]! / 2, 'delays grow (with jitter)');
});

test('shutDown aborts the running handler and takes no more work', async () => {
  let aborted = false;
  const q = new WorkQueue(async (_key, signal) => {
    await sleep(60_000, signal).catch(() => {
      aborted = true;
    });
  });
  q.add('long');
  await sleep(5);
  q.addAfter('later', 10);
  await q.shutDown();
  assert.equal(aborted, true);
  q.add('after');
  assert.equal(q.length, 0);
});
