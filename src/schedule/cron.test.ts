import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { CronSyntaxError, expectedIntervalMs, parseCron } from './cron.ts';
import { localZone, offsetAt, wallClock } from './zone.ts';

/** The next `count` runs after `from`, as ISO strings. */
function runs(expression: string, from: string, count = 1): string[] {
  const cron = parseCron(expression);
  const out: string[] = [];
  let at = new Date(from);
  for (let i = 0; i < count; i++) {
    at = cron.next(at);
    out.push(at.toISOString());
  }
  return out;
}

const utc = (fields: string): string => `CRON_TZ=UTC ${fields}`;

test('five fields: the next run is strictly after the given instant', () => {
  assert.deepEqual(runs(utc('0 12 * * *'), '2025-06-01T11:59:59.999Z'), ['2025-06-01T12:00:00.000Z']);
  assert.deepEqual(runs(utc('0 12 * * *'), '2025-06-01T12:00:00.000Z'), ['2025-06-02T12:00:00.000Z']);
  assert.deepEqual(runs(utc('* * * * *'), '2025-06-01T12:00:30.000Z', 2), ['2025-06-01T12:01:00.000Z', '2025-06-01T12:02:00.000Z']);
  assert.deepEqual(runs(utc('59 23 31 12 *'), '2025-06-01T00:00:00Z'), ['2025-12-31T23:59:00.000Z']);
});

test('lists, ranges, steps and their combinations', () => {
  assert.deepEqual(runs(utc('*/20 * * * *'), '2025-06-01T00:00:00Z', 3), ['2025-06-01T00:20:00.000Z', '2025-06-01T00:40:00.000Z', '2025-06-01T01:00:00.000Z']);
  // `a/step` runs from a to the maximum, as robfig reads it.
  assert.deepEqual(runs(utc('5/20 * * * *'), '2025-06-01T00:00:00Z', 3), ['2025-06-01T00:05:00.000Z', '2025-06-01T00:25:00.000Z', '2025-06-01T00:45:00.000Z']);
  assert.deepEqual(runs(utc('0 1-10/3 * * *'), '2025-06-01T00:00:00Z', 4), ['2025-06-01T01:00:00.000Z', '2025-06-01T04:00:00.000Z', '2025-06-01T07:00:00.000Z', '2025-06-01T10:00:00.000Z']);
  assert.deepEqual(runs(utc('15,45 6,18 * * *'), '2025-06-01T07:00:00Z', 3), ['2025-06-01T18:15:00.000Z', '2025-06-01T18:45:00.000Z', '2025-06-02T06:15:00.000Z']);
  assert.deepEqual(runs(utc('0 0 31 * *'), '2025-01-31T00:00:00Z', 2), ['2025-03-31T00:00:00.000Z', '2025-05-31T00:00:00.000Z']);
  assert.deepEqual(runs(utc('0 0 29 2 *'), '2025-01-01T00:00:00Z'), ['2028-02-29T00:00:00.000Z']);
});

test('month and weekday names, any case; 7 is Sunday too; ? is *', () => {
  // 2025-06-01 is a Sunday.
  assert.deepEqual(runs(utc('0 9 * jun-Aug MON-fri'), '2025-06-01T00:00:00Z', 2), ['2025-06-02T09:00:00.000Z', '2025-06-03T09:00:00.000Z']);
  assert.deepEqual(runs(utc('0 0 * * 7'), '2025-06-02T00:00:00Z'), ['2025-06-08T00:00:00.000Z']);
  assert.deepEqual(runs(utc('0 0 * * 5-7'), '2025-06-02T00:00:00Z', 3), ['2025-06-06T00:00:00.000Z', '2025-06-07T00:00:00.000Z', '2025-06-08T00:00:00.000Z']);
  assert.deepEqual(runs(utc('0 0 ? * SUN'), '2025-06-02T00:00:00Z'), ['2025-06-08T00:00:00.000Z']);
  assert.deepEqual(runs(utc('0 0 1 JAN ?'), '2025-06-02T00:00:00Z'), ['2026-01-01T00:00:00.000Z']);
});

test('day of month and day of week: either when both are restricted, both when one is *', () => {
  // The 13th, or any Friday (standard cron), not only Friday the 13th.
  assert.deepEqual(runs(utc('0 0 13 * 5'), '2025-06-01T00:00:00Z', 3), ['2025-06-06T00:00:00.000Z', '2025-06-13T00:00:00.000Z', '2025-06-20T00:00:00.000Z']);
  assert.deepEqual(runs(utc('0 0 * * 5'), '2025-06-01T00:00:00Z', 2), ['2025-06-06T00:00:00.000Z', '2025-06-13T00:00:00.000Z']);
  assert.deepEqual(runs(utc('0 0 13 * *'), '2025-06-01T00:00:00Z', 2), ['2025-06-13T00:00:00.000Z', '2025-07-13T00:00:00.000Z']);
  // `*/2` is a restriction (robfig's rule): odd days or Sundays.
  assert.deepEqual(runs(utc('0 0 */2 * 0'), '2025-06-01T00:00:00Z', 3), ['2025-06-03T00:00:00.000Z', '2025-06-05T00:00:00.000Z', '2025-06-07T00:00:00.000Z']);
  assert.deepEqual(runs(utc('0 0 */2 * 0'), '2025-06-07T00:00:00Z', 2), ['2025-06-08T00:00:00.000Z', '2025-06-09T00:00:00.000Z']);
});

test('descriptors', () => {
  const from = '2025-06-04T10:30:00Z'; // a Wednesday
  assert.deepEqual(runs(utc('@yearly'), from), ['2026-01-01T00:00:00.000Z']);
  assert.deepEqual(runs(utc('@annually'), from), ['2026-01-01T00:00:00.000Z']);
  assert.deepEqual(runs(utc('@monthly'), from), ['2025-07-01T00:00:00.000Z']);
  assert.deepEqual(runs(utc('@weekly'), from), ['2025-06-08T00:00:00.000Z']);
  assert.deepEqual(runs(utc('@daily'), from), ['2025-06-05T00:00:00.000Z']);
  assert.deepEqual(runs(utc('@midnight'), from), ['2025-06-05T00:00:00.000Z']);
  assert.deepEqual(runs(utc('@hourly'), from), ['2025-06-04T11:00:00.000Z']);
});

test('@every: whole seconds from the previous run, at least one second', () => {
  assert.deepEqual(runs('@every 5s', '2025-06-01T12:00:00.700Z', 2), ['2025-06-01T12:00:05.000Z', '2025-06-01T12:00:10.000Z']);
  assert.deepEqual(runs('@every 2h', '2025-06-01T12:00:00Z'), ['2025-06-01T14:00:00.000Z']);
  assert.deepEqual(runs('@every 1m30s', '2025-06-01T12:00:00Z'), ['2025-06-01T12:01:30.000Z']);
  assert.deepEqual(runs('@every 1500ms', '2025-06-01T12:00:00Z'), ['2025-06-01T12:00:01.000Z']);
  assert.deepEqual(runs('@every 100ms', '2025-06-01T12:00:00Z'), ['2025-06-01T12:00:01.000Z']);
  // A zone prefix is allowed and changes nothing.
  assert.deepEqual(runs('CRON_TZ=Asia/Tokyo @every 10s', '2025-06-01T12:00:00Z'), ['2025-06-01T12:00:10.000Z']);
});

test('CRON_TZ= and TZ= read the fields in that zone', () => {
  assert.deepEqual(runs('CRON_TZ=Asia/Tokyo 0 9 * * *', '2025-06-01T00:00:00Z'), ['2025-06-02T00:00:00.000Z']);
  assert.deepEqual(runs('TZ=America/New_York 0 9 * * *', '2025-06-01T00:00:00Z'), ['2025-06-01T13:00:00.000Z']);
  assert.deepEqual(runs('CRON_TZ=Asia/Kolkata 0 0 * * *', '2025-06-01T00:00:00Z'), ['2025-06-01T18:30:00.000Z']);
  assert.equal(parseCron('CRON_TZ=Europe/Berlin @daily').zone, 'Europe/Berlin');
  assert.equal(parseCron('TZ= @daily').zone, 'UTC');
});

test('no prefix: the process zone', () => {
  assert.equal(parseCron('0 0 * * *').zone, localZone());
  assert.equal(parseCron('CRON_TZ=Local 0 0 * * *').zone, localZone());
});

test('New York, spring forward: a time in the gap runs once, at the end of the gap', () => {
  // 2025-03-09: 02:00 EST (07:00Z) becomes 03:00 EDT.
  const ny = (fields: string): string => `CRON_TZ=America/New_York ${fields}`;
  assert.deepEqual(runs(ny('30 2 * * *'), '2025-03-08T12:00:00Z', 2), ['2025-03-09T07:00:00.000Z', '2025-03-10T06:30:00.000Z']);
  // Every quarter hour: 02:00, 02:15, 02:30, 02:45 and 03:00 all name 07:00Z, which runs once.
  assert.deepEqual(runs(ny('*/15 * * * *'), '2025-03-09T06:50:00Z', 3), ['2025-03-09T07:00:00.000Z', '2025-03-09T07:15:00.000Z', '2025-03-09T07:30:00.000Z']);
  assert.deepEqual(runs(ny('0 1-3 * * *'), '2025-03-09T05:00:00Z', 3), ['2025-03-09T06:00:00.000Z', '2025-03-09T07:00:00.000Z', '2025-03-10T05:00:00.000Z']);
});

test('New York, fall back: a repeated time runs once, at its first occurrence', () => {
  // 2025-11-02: 02:00 EDT (06:00Z) becomes 01:00 EST; 01:00-01:59 happen twice.
  const ny = (fields: string): string => `CRON_TZ=America/New_York ${fields}`;
  assert.deepEqual(runs(ny('30 1 * * *'), '2025-11-01T12:00:00Z', 2), ['2025-11-02T05:30:00.000Z', '2025-11-03T06:30:00.000Z']);
  // Hourly: 01:00 EDT, then 02:00 EST two hours later; the second 01:00 does not run.
  assert.deepEqual(runs(ny('0 * * * *'), '2025-11-02T04:30:00Z', 3), ['2025-11-02T05:00:00.000Z', '2025-11-02T07:00:00.000Z', '2025-11-02T08:00:00.000Z']);
  // Asked from inside the second 01:00 hour, the next run is 02:00 EST.
  assert.deepEqual(runs(ny('*/20 * * * *'), '2025-11-02T06:10:00Z'), ['2025-11-02T07:00:00.000Z']);
});

test('Berlin: the same policy both ways', () => {
  const berlin = (fields: string): string => `CRON_TZ=Europe/Berlin ${fields}`;
  // 2025-03-30: 02:00 CET (01:00Z) becomes 03:00 CEST.
  assert.deepEqual(runs(berlin('30 2 * * *'), '2025-03-29T12:00:00Z', 2), ['2025-03-30T01:00:00.000Z', '2025-03-31T00:30:00.000Z']);
  // 2025-10-26: 03:00 CEST (01:00Z) becomes 02:00 CET; 02:30 happens twice and runs at the first.
  assert.deepEqual(runs(berlin('30 2 * * *'), '2025-10-25T12:00:00Z', 2), ['2025-10-26T00:30:00.000Z', '2025-10-27T01:30:00.000Z']);
  assert.deepEqual(runs(berlin('0 3 * * *'), '2025-10-25T12:00:00Z'), ['2025-10-26T02:00:00.000Z']);
});

test('expected interval: next to next', () => {
  const from = new Date('2025-06-01T00:00:00Z');
  assert.equal(expectedIntervalMs(parseCron('@every 5s'), from), 5000);
  assert.equal(expectedIntervalMs(parseCron(utc('@hourly')), from), 3_600_000);
  assert.equal(expectedIntervalMs(parseCron(utc('0 0 * * 1-5')), new Date('2025-06-05T12:00:00Z')), 3 * 86_400_000);
  // A day with the spring-forward gap in it is 23 hours long.
  assert.equal(expectedIntervalMs(parseCron('CRON_TZ=America/New_York 0 12 * * *'), new Date('2025-03-08T00:00:00Z')), 23 * 3_600_000);
});

test('errors say what is wrong', () => {
  const cases: Array<[string, RegExp]> = [
    ['', /empty/],
    ['* * * * * *', /expected exactly 5 fields .*found 6/],
    ['* * *', /expected exactly 5 fields .*found 3/],
    ['60 * * * *', /minute field "60": 60 is above the maximum 59/],
    ['* 24 * * *', /hour field "24": 24 is above the maximum 23/],
    ['* * 0 * *', /day of month field "0": 0 is below the minimum 1/],
    ['* * * 13 *', /month field "13": 13 is above the maximum 12/],
    ['* * * * 8', /day of week field "8": 8 is above the maximum 7/],
    ['*/0 * * * *', /minute field "\*\/0": the step "0" must be a positive number/],
    ['5-1 * * * *', /the range starts at 5, after its end 1/],
    ['x * * * *', /minute field "x": "x" is not a number/],
    ['* * * FOO *', /month field "FOO": "FOO" is not a number or a name/],
    ['1,,2 * * * *', /an empty list entry/],
    ['1-2-3 * * * *', /is not a value or a range/],
    ['@fortnightly', /unknown descriptor "@fortnightly"/],
    ['@every', /@every needs a Go duration/],
    ['@every 5', /@every needs a Go duration .* not "5"/],
    ['@every -5s', /@every needs a positive duration/],
    ['@every 0s', /@every needs a positive duration/],
    ['CRON_TZ=Mars/Olympus 0 0 * * *', /unknown time zone "Mars\/Olympus"/],
    ['CRON_TZ=Europe/Berlin', /a time zone but no schedule/],
    ['0 0 30 2 *', /never runs/],
    ['0 0 31 4,6 *', /never runs/],
  ];
  for (const [expression, message] of cases) {
    assert.throws(() => parseCron(expression), (err: unknown) => err instanceof CronSyntaxError && message.test(err.message), expression);
  }
  // Both day fields restricted: any Friday will do, so February 30 is no obstacle.
  assert.doesNotThrow(() => parseCron('0 0 30 2 5'));
});

test('many next() calls stay cheap', () => {
  const cron = parseCron('CRON_TZ=America/New_York */7 3-5 * * MON');
  let at = new Date('2025-01-01T00:00:00Z');
  for (let i = 0; i < 2000; i++) at = cron.next(at);
  assert.ok(at.getTime() > Date.parse('2025-06-01T00:00:00Z'));
});

test('property: in UTC, next() is the first matching minute strictly after the instant', () => {
  /** A field as text and the values it allows (the oracle), built from the same pieces. */
  const field = (min: number, max: number): fc.Arbitrary<{ text: string; has: (v: number) => boolean; star: boolean }> =>
    fc.oneof(
      fc.constant({ text: '*', has: () => true, star: true }),
      fc.integer({ min, max }).map((v) => ({ text: String(v), has: (x: number) => x === v, star: false })),
      fc.tuple(fc.integer({ min, max }), fc.integer({ min, max }), fc.integer({ min: 1, max: 7 })).map(([a, b, step]) => {
        const [lo, hi] = a <= b ? [a, b] : [b, a];
        return { text: `${lo}-${hi}/${step}`, has: (x: number) => x >= lo && x <= hi && (x - lo) % step === 0, star: false };
      }),
      fc.uniqueArray(fc.integer({ min, max }), { minLength: 2, maxLength: 4 }).map((vs) => ({ text: vs.join(','), has: (x: number) => vs.includes(x), star: false })),
    );
  const expression = fc.tuple(field(0, 59), field(0, 23), field(1, 28), field(1, 12), field(0, 6));
  fc.assert(
    fc.property(expression, fc.integer({ min: Date.parse('2024-01-01T00:00:00Z'), max: Date.parse('2030-01-01T00:00:00Z') }), ([mi, h, dom, mon, dow], fromMs) => {
      const text = [mi, h, dom, mon, dow].map((f) => f.text).join(' ');
      const matches = (d: Date): boolean => {
        const dayOk = dom.star || dow.star ? dom.has(d.getUTCDate()) && dow.has(d.getUTCDay()) : dom.has(d.getUTCDate()) || dow.has(d.getUTCDay());
        return mi.has(d.getUTCMinutes()) && h.has(d.getUTCHours()) && mon.has(d.getUTCMonth() + 1) && dayOk;
      };
      const next = parseCron(`CRON_TZ=UTC ${text}`).next(new Date(fromMs));
      assert.ok(next.getTime() > fromMs, text);
      assert.ok(matches(next), `${text}: ${next.toISOString()} does not match`);
      assert.equal(next.getUTCSeconds() + next.getUTCMilliseconds(), 0);
      // No earlier match: scanned minute by minute when the gap is short enough to scan.
      if (next.getTime() - fromMs <= 3 * 86_400_000) {
        for (let t = Math.floor(fromMs / 60_000) * 60_000 + 60_000; t < next.getTime(); t += 60_000) assert.ok(!matches(new Date(t)), `${text}: ${new Date(t).toISOString()} was skipped`);
      }
    }),
    { numRuns: 300 },
  );
});

test('property: in a daylight-saving zone, local times only go forward (none runs twice), each run a matching local time or the end of a gap', () => {
  const zone = 'America/New_York';
  const spring = Date.parse('2025-03-08T00:00:00Z');
  const autumn = Date.parse('2025-11-01T00:00:00Z');
  fc.assert(
    fc.property(fc.constantFrom('*/15 * * * *', '30 1,2 * * *', '0 * * * *', '59 1 * * *', '0 2 * 3,11 0', '*/7 1-3 * * *'), fc.integer({ min: 0, max: 2 * 86_400_000 }), fc.boolean(), (fields, offsetMs, inAutumn) => {
      const cron = parseCron(`CRON_TZ=${zone} ${fields}`);
      // The same fields in UTC, read on naive wall-clock times: does a local time match?
      const naive = parseCron(`CRON_TZ=UTC ${fields}`);
      const matchesLocally = (wall: number): boolean => naive.next(new Date(wall - 1)).getTime() === wall;
      let at = new Date((inAutumn ? autumn : spring) + offsetMs);
      let lastWall = wallClock(zone, at.getTime());
      for (let i = 0; i < 40; i++) {
        const next = cron.next(at);
        const wall = wallClock(zone, next.getTime());
        assert.ok(next.getTime() > at.getTime());
        assert.ok(wall > lastWall, `${fields}: local time ${new Date(wall).toISOString()} again after ${new Date(lastWall).toISOString()}`);
        const gapEnd = offsetAt(zone, next.getTime() - 1000) !== offsetAt(zone, next.getTime());
        assert.ok(matchesLocally(wall) || gapEnd, `${fields}: ${next.toISOString()}`);
        [at, lastWall] = [next, wall];
      }
    }),
    { numRuns: 100 },
  );
});
