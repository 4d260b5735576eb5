import { test } from 'node:test';
import assert from 'node:assert/strict';
import { captureStream } from '../../testing.ts';
import { ProgressLine, formatBytes, formatClock, formatRate, transferText, withProgress } from './progress.ts';

test('sizes, clocks and rates', () => {
  assert.equal(formatBytes(0), '0 B');
  assert.equal(formatBytes(1023), '1023 B');
  assert.equal(formatBytes(1536), '1.50 KiB');
  assert.equal(formatBytes(23.4 * 1024 * 1024), '23.4 MiB');
  assert.equal(formatBytes(300 * 1024 ** 3), '300 GiB');
  assert.equal(formatClock(7_000), '0:07');
  assert.equal(formatClock(3_723_000), '1:02:03');
  assert.equal(formatRate(10 * 1024 * 1024, 2000), '5.00 MiB/s');
  assert.equal(formatRate(1, 0), '-');
});

test('transfer text: bytes, files, rate; an ETA only when the total is known', () => {
  const MiB = 1024 * 1024;
  assert.equal(transferText({ bytes: 100 * MiB, files: 12345, elapsedMs: 1000 }), '100 MiB, 12,345 files, 100 MiB/s');
  assert.equal(transferText({ bytes: 100 * MiB, files: 1, elapsedMs: 1000, totalBytes: 400 * MiB }), '100 MiB, 1 files, 100 MiB/s, 25%, ETA 0:03');
  // Nothing measured yet: no ETA rather than a division by zero.
  assert.equal(transferText({ bytes: 0, files: 0, elapsedMs: 0, totalBytes: 400 * MiB }), '0 B, 0 files, -');
});

test('a progress line is drawn only on a terminal, at most once per interval, and cleared', () => {
  const silent = captureStream(false);
  new ProgressLine(silent).update('x');
  assert.equal(silent.text, '');

  const tty = captureStream(true);
  let now = 1000;
  const line = new ProgressLine(tty, { now: () => now });
  line.update('a');
  now += 100;
  line.update('b'); // within 250 ms: skipped
  now += 200;
  line.update('c');
  line.clear();
  line.clear(); // nothing drawn since: nothing written
  assert.equal(tty.text, '\r\x1b[Ka\r\x1b[Kc\r\x1b[K');
});

test('withProgress clears its line when the work ends, failed or not', async () => {
  const tty = captureStream(true);
  const done = await withProgress(tty, async (line) => {
    line.update('half');
    return 42;
  });
  assert.equal(done, 42);
  assert.equal(tty.text, '\r\x1b[Khalf\r\x1b[K');
  const failed = captureStream(true);
  await assert.rejects(withProgress(failed, async (line) => {
    line.update('half');
    throw new Error('boom');
  }), /boom/);
  assert.equal(failed.text, '\r\x1b[Khalf\r\x1b[K');
});
