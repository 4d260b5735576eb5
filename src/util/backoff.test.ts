import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Backoff } from './backoff.ts';
import { TokenBucket } from './rate-limiter.ts';
import { sleep, withTimeout } from './abort.ts';

test('backoff grows by the factor, is capped, jitters within [base/2, base] and resets', () => {
  const lo = new Backoff({ initialMs: 100, maxMs: 1000, random: () => 0 });
  assert.deepEqual([lo.next(), lo.next(), lo.next(), lo.next(), lo.next()], [50, 100, 200, 400, 500]);
  const hi = new Backoff({ initialMs: 100, maxMs: 1000, random: () => 0.999999 });
  assert.deepEqual([hi.next(), hi.next(), hi.next(), hi.next(), hi.next()], [100, 200, 400, 800, 1000]);
  hi.reset();
  assert.equal(hi.attempt, 0);
  assert.equal(hi.next(), 100);
});

test('token bucket allows a burst, then paces at qps', async () => {
  let now = 0;
  const bucket = new TokenBucket(10, 2, () => now);
  await bucket.take();
  await bucket.take();
  let third = false;
  const p = bucket.take().then(() => (third = true));
  await sleep(5);
  assert.equal(third, false, 'third token must wait for a refill');
  now += 100; // 0.1 s at 10 qps = one token
  await p;
  assert.equal(third, true);
});

test('sleep rejects at once when aborted, and withTimeout combines signals', async () => {
  const ac = new AbortController();
  const started = Date.now();
  const p = sleep(10_000, ac.signal);
  ac.abort();
  await assert.rejects(p, { name: 'AbortError' });
  assert.ok(Date.now() - started < 1000);
  assert.equal(withTimeout(undefined, undefined), undefined);
  const s = withTimeout(undefined, 5)!;
  await sleep(20);
  assert.equal(s.aborted, true);
});
