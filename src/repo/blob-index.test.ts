/** @module repo/blob-index.test: the compact index against a Map, at scale; duplicates and pack removal. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { BlobIndex } from './blob-index.ts';
import type { BlobLocation } from './types.ts';

const id = (): string => randomBytes(32).toString('hex');
const loc = (pack: string, i: number): BlobLocation => ({ id: id(), type: i % 3 === 0 ? 'tree' : 'data', pack, offset: i * 100, length: 100 + (i % 7), rawLength: 4_000_000_000 + i });

test('agrees with a Map over 300,000 blobs and stays compact', () => {
  const N = 300_000;
  const ids = randomBytes(N * 32);
  const idAt = (i: number): string => ids.toString('hex', i * 32, i * 32 + 32);
  const packs = Array.from({ length: 50 }, id);
  const locAt = (i: number): BlobLocation => ({ id: idAt(i), type: i % 3 === 0 ? 'tree' : 'data', pack: packs[i % 50]!, offset: i * 100, length: 100 + (i % 7), rawLength: 4_000_000_000 + i });
  const buffersBefore = process.memoryUsage().arrayBuffers;
  const index = new BlobIndex();
  for (let i = 0; i < N; i++) assert.equal(index.add(locAt(i)), true);
  // Typed arrays only (no object per blob): 49 bytes per entry plus the table, with doubling slack.
  const perBlob = (process.memoryUsage().arrayBuffers - buffersBefore) / N;
  assert.ok(perBlob < 128, `${perBlob.toFixed(0)} bytes of array buffers per blob`);
  assert.equal(index.size, N);
  for (let i = 0; i < N; i += 7) assert.deepEqual(index.get(idAt(i)), locAt(i));
  for (let i = 0; i < 1000; i++) assert.equal(index.has(id()), false);
  assert.equal(index.has('not-an-id'), false);
  assert.deepEqual([...index.entries()].slice(0, 3), [0, 1, 2].map(locAt), 'insertion order');
});

test('a second location of a blob is kept aside and takes over when its first pack is removed', () => {
  const index = new BlobIndex();
  const a = loc('a'.repeat(64), 1);
  const other = loc('a'.repeat(64), 2);
  assert.equal(index.add(a), true);
  assert.equal(index.add(other), true);
  const dup = { ...a, pack: 'b'.repeat(64), offset: 7 };
  assert.equal(index.add(dup), false);
  assert.equal(index.get(a.id)!.pack, a.pack, 'the first location wins');
  index.removePacks(new Set(['a'.repeat(64)]));
  assert.deepEqual(index.get(a.id), dup);
  assert.equal(index.has(other.id), false);
  assert.equal(index.size, 1);
  index.removePacks(new Set(['b'.repeat(64)]));
  assert.equal(index.size, 0);
  assert.equal(index.has(a.id), false);
  assert.equal(index.add(a), true, 'usable after removals');
  assert.deepEqual(index.get(a.id), a);
});

test('ids are 64 lowercase hex digits: others are refused when adding and never found', () => {
  const index = new BlobIndex();
  assert.throws(() => index.add({ ...loc('p', 0), id: 'xyz' }), /not a blob id/);
  assert.throws(() => index.add({ ...loc('p', 0), id: 'AB'.repeat(32) }), /not a blob id/);
  assert.throws(() => index.add({ ...loc('p', 0), id: `${'ab'.repeat(31)}a` }), /not a blob id/);
  const lower = { ...loc('p', 0), id: 'ab'.repeat(32) };
  index.add(lower);
  assert.deepEqual(index.get('ab'.repeat(32)), lower);
  assert.equal(index.get('AB'.repeat(32)), undefined, 'the same bytes in uppercase are not an id');
  assert.equal(index.has('aB'.repeat(32)), false);
  assert.equal(index.has(`${'ab'.repeat(31)}ag`), false);
});

test('copies: every further location of a blob, and which blobs have any', () => {
  const index = new BlobIndex();
  const a = loc('a'.repeat(64), 1);
  index.add(a);
  index.add(loc('a'.repeat(64), 2));
  assert.deepEqual([...index.duplicateIds()], []);
  assert.deepEqual(index.copiesOf(a.id), []);
  const inB = { ...a, pack: 'b'.repeat(64), offset: 7 };
  const inC = { ...a, pack: 'c'.repeat(64), offset: 9 };
  for (const l of [inB, inC, inB, a]) index.add(l);
  assert.deepEqual([...index.duplicateIds()], [a.id]);
  assert.deepEqual(index.copiesOf(a.id), [inB, inC], 'each pack once, never the first location');
  index.removePacks(new Set(['a'.repeat(64)]));
  assert.deepEqual(index.get(a.id), inB);
  assert.deepEqual(index.copiesOf(a.id), [inC]);
  index.removePacks(new Set(['c'.repeat(64)]));
  assert.deepEqual([...index.duplicateIds()], []);
});
