import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Semaphore, mapLimit } from './semaphore.ts';
import { sleep } from './abort.ts';

test('semaphore never lets more than the limit run at once, and serves waiters in order', async () => {
  const sem = new Semaphore(3);
  let running = 0;
  let peak = 0;
  const order: number[] = [];
  await Promise.all(
    Array.from({ length: 20 }, (_, i) =>
      sem.run(async () => {
        order.push(i);
        running++;
        peak = Math.max(peak, running);
        await sleep(2);
        running--;
      }),
    ),
  );
  assert.equal(peak, 3);
  assert.deepEqual(order, [...order].sort((a, b) => a - b));
  assert.equal(sem.active, 0);
});

test('an aborted waiter leaves the queue and the slot goes to the next', async () => {
  const sem = new Semaphore(1);
  const release = await sem.acquire();
  const ac = new AbortController();
  const aborted = sem.acquire(ac.signal);
  const next = sem.acquire();
  ac.abort();
  await assert.rejects(aborted, { name: 'AbortError' });
  release();
  release(); // double release is harmless
  const r2 = await next;
  assert.equal(sem.active, 1);
  r2();
  assert.equal(sem.active, 0);
});

test('mapLimit keeps order, bounds concurrency and rethrows the first failure', async () => {
  let running = 0;
  let peak = 0;
  const out = await mapLimit([5, 1, 3, 2, 4], 2, async (n) => {
    running++;
    peak = Math.max(peak, running);
    await sleep(n);
    running--;
    return n * 10;
  });
  assert.deepEqual(out, [50, 10, 30, 20, 40]);
  assert.equal(peak, 2);
  await assert.rejects(
    mapLimit([1, 2, 3], 2, async (n) => {
      if (n === 2) throw new Error('boom');
      return n;
    }),
    /boom/,
  );
});
