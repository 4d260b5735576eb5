import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Semaphore, WeightedSemaphore, mapLimit } from './semaphore.ts';
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

test('weighted: requests wait in order until their weight fits; one heavier than the limit passes only when idle', async () => {
  const sem = new WeightedSemaphore(100);
  await sem.acquire(60);
  assert.equal(sem.tryAcquire(50), false, 'does not fit');
  const order: string[] = [];
  const oversize = sem.acquire(250).then(() => order.push('oversize'));
  const small = sem.acquire(10).then(() => order.push('small'));
  assert.equal(sem.tryAcquire(10), false, 'would fit, but others wait');
  await new Promise((resolve) => setImmediate(resolve));
  assert.deepEqual(order, [], 'the small one waits behind the oversize one, which waits for the budget to empty');
  sem.release(60);
  await oversize;
  await new Promise((resolve) => setImmediate(resolve));
  assert.deepEqual(order, ['oversize'], 'alone: over the limit');
  assert.equal(sem.held, 250);
  sem.release(250);
  await small;
  assert.equal(sem.held, 10);
  sem.release(10);
  assert.equal(sem.held, 0);
  assert.throws(() => new WeightedSemaphore(0), RangeError);
});

test('weighted: an aborted heavy waiter lets the lighter ones behind it through at once', async () => {
  const sem = new WeightedSemaphore(100);
  await sem.acquire(70);
  const ac = new AbortController();
  const heavy = sem.acquire(80, ac.signal);
  let served = false;
  const light = sem.acquire(20).then(() => (served = true));
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(served, false, 'behind the heavy one');
  ac.abort();
  await assert.rejects(heavy, { name: 'AbortError' });
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(served, true, 'served once the heavy one left');
  await light;
  assert.equal(sem.held, 90, 'nothing released: the abort alone woke it');
  assert.equal(sem.waiting, 0);
  await assert.rejects(sem.acquire(1, ac.signal), { name: 'AbortError' }, 'an aborted signal fails at once');
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
