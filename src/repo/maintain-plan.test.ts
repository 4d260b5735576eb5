/** @module repo/maintain-plan.test: the pure parts of maintenance: pack decisions, the id set, streamed pack reads. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import type { ObjectStore } from '../storage/index.ts';
import { BlobIdSet } from './id-set.ts';
import { planPacks, youngUnindexed } from './maintain-plan.ts';
import { streamPack } from './pack-stream.ts';
import type { PackEntry } from './pack.ts';
import type { BlobLocation } from './types.ts';

const id = (s: string): string => createHash('sha256').update(s).digest('hex');

test('BlobIdSet adds, finds and grows; 16-byte prefixes, the all-zero one included', () => {
  const set = new BlobIdSet(10);
  const ids = Array.from({ length: 20_000 }, (_, i) => id(String(i)));
  for (const x of ids) assert.equal(set.add(x), true);
  for (const x of ids) assert.equal(set.add(x), false);
  assert.equal(set.size, 20_000);
  assert.ok(ids.every((x) => set.has(x)));
  assert.ok(!set.has(id('other')) && !set.has('xyz') && !set.has(`${'0'.repeat(64)}`));
  const zero = `${'0'.repeat(32)}${'f'.repeat(32)}`;
  assert.equal(set.add(zero), true);
  assert.equal(set.has(zero), true);
  assert.equal(set.add(zero), false);
  assert.ok(set.byteLength <= 20_001 * 16 * 2 / 0.7 + 64, `${set.byteLength} bytes`);
  assert.throws(() => set.add('not hex'), RangeError);
});

const loc = (pack: string, blob: string, length: number): BlobLocation => ({ id: id(blob), type: 'data', pack, offset: 0, length, rawLength: length });

test('planPacks: delete packs with nothing live, repack sparse ones, keep the rest; unindexed packs by age', () => {
  const stored = ['full', 'dead', 'sparse', 'half', 'dupsOnly', 'strayOld', 'strayYoung'].map((p) => ({ id: p, size: 1000, lastModified: new Date(p === 'strayYoung' ? 9_000 : 1_000) }));
  const live = new Set([id('f1'), id('f2'), id('s1'), id('h1'), id('gone1')]);
  const plan = planPacks({
    locations: [loc('full', 'f1', 500), loc('full', 'f2', 400), loc('dead', 'd1', 900), loc('sparse', 's1', 100), loc('sparse', 's2', 800), loc('half', 'h1', 500), loc('half', 'h2', 400), loc('missing', 'gone1', 10), loc('missingDead', 'gone2', 10)],
    isLive: (x) => live.has(x),
    indexedPacks: new Set(['full', 'dead', 'sparse', 'half', 'dupsOnly', 'missing', 'missingDead']),
    stored,
    protect: youngUnindexed(stored, new Set(['full', 'dead', 'sparse', 'half', 'dupsOnly']), 10_000, 5_000),
    repackBelow: 0.5,
  });
  const ids = (l: Array<{ id: string }>): string[] => l.map((p) => p.id).sort();
  assert.deepEqual(ids(plan.keep), ['full', 'half'], '500 of 1000 bytes live is not below one half');
  assert.deepEqual(ids(plan.remove), ['dead', 'dupsOnly']);
  assert.deepEqual(ids(plan.repack), ['sparse']);
  assert.deepEqual(ids(plan.unindexed), ['strayOld']);
  assert.deepEqual(ids(plan.protected), ['strayYoung']);
  assert.deepEqual(plan.missing.map((p) => [p.id, p.liveBlobs]).sort(), [['missing', 1], ['missingDead', 0]]);
  assert.deepEqual(plan.totals, { packs: 7, bytes: 7000, blobs: 9, liveBlobs: 5, liveBytes: 1510 });
  const never = planPacks({ locations: [loc('sparse', 's1', 100), loc('sparse', 's2', 800)], isLive: (x) => x === id('s1'), indexedPacks: new Set(['sparse']), stored: stored.slice(2, 3), protect: new Set(), repackBelow: 0 });
  assert.deepEqual(ids(never.keep), ['sparse'], 'repackBelow 0 never repacks');
  assert.deepEqual([...youngUnindexed([{ id: 'x', size: 1, lastModified: undefined }], new Set(), 10_000, 0)], ['x'], 'unknown age counts as young');
});

/** A store whose one object comes in chunks of `chunk` bytes. */
function oneObjectStore(bytes: Buffer, chunk: number): ObjectStore {
  return {
    getObject: async () => Readable.from((function* () {
      for (let at = 0; at < bytes.length; at += chunk) yield bytes.subarray(at, at + chunk);
    })()),
  } as unknown as ObjectStore;
}

test('streamPack hands out each wanted range as it arrives, across chunk borders, skipping gaps', async () => {
  const bytes = randomBytes(10_000);
  const entries: PackEntry[] = [[0, 100], [100, 1], [250, 3000], [3250, 7], [9000, 1000]].map(([offset, length], i) => ({ id: id(String(i)), type: 'data', offset: offset!, length: length!, rawLength: length! }));
  for (const chunk of [1, 7, 64, 4096, 20_000]) {
    const got = new Map<number, Buffer>();
    const r = await streamPack(oneObjectStore(bytes, chunk), 'k', entries, async (e, sealed) => {
      got.set(e.offset, Buffer.from(sealed));
    }, { concurrency: 3 });
    assert.equal(r.size, bytes.length);
    assert.deepEqual(r.missing, []);
    for (const e of entries) assert.deepEqual(got.get(e.offset), bytes.subarray(e.offset, e.offset + e.length), `chunk ${chunk}, entry at ${e.offset}`);
  }
  const short = await streamPack(oneObjectStore(bytes.subarray(0, 5000), 512), 'k', entries, async () => {});
  assert.deepEqual(short.missing.map((e) => e.offset), [9000], 'past the end');
  await assert.rejects(streamPack(oneObjectStore(bytes, 100), 'k', entries, async (e) => {
    if (e.offset === 250) throw new Error('boom');
  }), /boom/);
});
