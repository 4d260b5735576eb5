import assert from 'node:assert/strict';
import { test } from 'node:test';
import { instantOf, localZone, offsetAt, resolveZone, wallClock } from './zone.ts';

const HOUR = 3_600_000;
const wall = (text: string): number => Date.parse(`${text}Z`);

test('offsets through Intl, summer and winter', () => {
  assert.equal(offsetAt('America/New_York', Date.parse('2025-01-15T12:00:00Z')), -5 * HOUR);
  assert.equal(offsetAt('America/New_York', Date.parse('2025-07-15T12:00:00Z')), -4 * HOUR);
  assert.equal(offsetAt('Europe/Berlin', Date.parse('2025-07-15T12:00:00Z')), 2 * HOUR);
  assert.equal(offsetAt('Asia/Kolkata', Date.parse('2025-07-15T12:00:00Z')), 5.5 * HOUR);
  assert.equal(offsetAt('UTC', Date.parse('2025-07-15T12:00:00Z')), 0);
  assert.equal(wallClock('Europe/Berlin', Date.parse('2025-07-15T12:00:00.900Z')), wall('2025-07-15T14:00:00'));
});

test('a wall time that exists once, twice, or not at all', () => {
  assert.equal(new Date(instantOf('America/New_York', wall('2025-07-15T09:00:00'))).toISOString(), '2025-07-15T13:00:00.000Z');
  // Fall back: 01:30 happens at 05:30Z (EDT) and 06:30Z (EST); the first wins.
  assert.equal(new Date(instantOf('America/New_York', wall('2025-11-02T01:30:00'))).toISOString(), '2025-11-02T05:30:00.000Z');
  // Spring forward: 02:30 never happens; the gap ends at 07:00Z (03:00 EDT).
  assert.equal(new Date(instantOf('America/New_York', wall('2025-03-09T02:30:00'))).toISOString(), '2025-03-09T07:00:00.000Z');
  assert.equal(new Date(instantOf('Europe/Berlin', wall('2025-03-30T02:00:00'))).toISOString(), '2025-03-30T01:00:00.000Z');
  // Lord Howe shifts by half an hour: 02:00-02:29 is skipped on 2025-10-05 (15:30Z).
  assert.equal(new Date(instantOf('Australia/Lord_Howe', wall('2025-10-05T02:15:00'))).toISOString(), '2025-10-04T15:30:00.000Z');
});

test('zone names: IANA, Local and empty (as Go), clear errors otherwise', () => {
  assert.equal(resolveZone('america/new_york'), 'America/New_York');
  assert.equal(resolveZone(''), 'UTC');
  assert.equal(resolveZone('UTC'), 'UTC');
  assert.equal(resolveZone('Local'), localZone());
  assert.throws(() => resolveZone('Nowhere/Special'), /unknown time zone "Nowhere\/Special"/);
});
