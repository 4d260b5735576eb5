/** @module cli/flags.test — Go bool parsing and comma lists (durations: src/util/duration.test.ts). */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { commaListArg, parseGoBool, splitCommaList } from './flags.ts';

test('parseGoBool is strconv.ParseBool', () => {
  for (const t of ['1', 't', 'T', 'true', 'TRUE', 'True']) assert.equal(parseGoBool(t), true, t);
  for (const f of ['0', 'f', 'F', 'false', 'FALSE', 'False']) assert.equal(parseGoBool(f), false, f);
  for (const x of ['', 'yes', 'tRUE', 'no', '2']) assert.equal(parseGoBool(x), undefined, x);
});

test('comma lists trim, drop empties and accumulate across repeats', () => {
  assert.deepEqual(splitCommaList(' a, b,,c '), ['a', 'b', 'c']);
  assert.deepEqual(commaListArg('c,d', commaListArg('a,b', undefined)), ['a', 'b', 'c', 'd']);
});
