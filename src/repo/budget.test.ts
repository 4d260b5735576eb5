import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { SideSlots } from './budget.ts';

test('SideSlots: a side task failing while the loop goes on is thrown once, after the started ones finish, and nothing more starts', async () => {
  const unhandled: unknown[] = [];
  const onUnhandled = (err: unknown): void => void unhandled.push(err);
  process.on('unhandledRejection', onUnhandled);
  try {
    const slots = new SideSlots(1);
    const started: number[] = [];
    const finished: number[] = [];
    const run = slots.each([0, 1, 2, 3, 4], async (i) => {
      started.push(i);
      if (i === 0) throw new Error('side task 0 failed'); // on the side slot, at once
      await sleep(20); // item 1 runs inline: the failure happens while the loop waits here
      finished.push(i);
    });
    await assert.rejects(run, /side task 0 failed/);
    await sleep(20); // an unhandled rejection would be reported by now
    assert.deepEqual(unhandled, []);
    assert.deepEqual(started, [0, 1]); // nothing started after the failure was seen
    assert.deepEqual(finished, [1]); // the started one ran to its end
  } finally {
    process.off('unhandledRejection', onUnhandled);
  }
});

test('SideSlots: an inline failure stops the loop and waits for the side tasks already running', async () => {
  const slots = new SideSlots(1);
  const finished: number[] = [];
  const run = slots.each([0, 1, 2], async (i) => {
    if (i === 1) throw new Error('inline task 1 failed');
    await sleep(30);
    finished.push(i);
  });
  await assert.rejects(run, /inline task 1 failed/);
  assert.deepEqual(finished, [0]); // item 0 (side) was waited for; item 2 never started
});
