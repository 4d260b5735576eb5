import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import fc from 'fast-check';
import { ChunkAssembler, DEFAULT_CHUNK_SIZES, FastCdc, checkChunkerParams, chunkBytes, gearTable } from './chunker.ts';

// Small sizes keep the property runs fast; the algorithm does not depend on the scale.
const SMALL = { minSize: 256, avgSize: 1024, maxSize: 4096 };
const seedArb = fc.uint8Array({ minLength: 16, maxLength: 32 }).map((b) => Buffer.from(b).toString('hex'));
const params = (seed: string) => ({ ...SMALL, seed });

/** Cut offsets (ends of chunks) of `data`. */
function cuts(data: Uint8Array, seed: string): number[] {
  let at = 0;
  return chunkBytes(data, params(seed)).map((c) => (at += c.length));
}

/** Deterministic pseudo-random bytes (fast-check shrinks seeds, not megabytes). */
function bytes(n: number, seed: number): Buffer {
  const out = Buffer.allocUnsafe(n);
  let x = seed | 1;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

test('chunks cover the input and respect min and max', () => {
  fc.assert(
    fc.property(seedArb, fc.integer({ min: 0, max: 40_000 }), fc.integer(), (seed, n, s) => {
      const data = bytes(n, s);
      const chunks = chunkBytes(data, params(seed));
      assert.deepEqual(Buffer.concat(chunks), data);
      chunks.forEach((c, i) => {
        assert.ok(c.length <= SMALL.maxSize, `chunk ${i} is ${c.length} bytes`);
        if (i < chunks.length - 1) assert.ok(c.length >= SMALL.minSize, `chunk ${i} is ${c.length} bytes`);
      });
    }),
  );
});

test('feeding the stream in arbitrary pieces gives the same chunks as one buffer', () => {
  fc.assert(
    fc.property(seedArb, fc.integer(), fc.array(fc.integer({ min: 1, max: 9000 }), { minLength: 1, maxLength: 12 }), (seed, s, pieces) => {
      const data = bytes(pieces.reduce((a, b) => a + b, 0), s);
      const assembler = new ChunkAssembler(new FastCdc(params(seed)));
      const out: Uint8Array[] = [];
      let at = 0;
      for (const len of pieces) {
        const view = Buffer.from(data.subarray(at, at + len)); // a copy, overwritten below like a reused read buffer
        out.push(...assembler.push(view).map((c) => Buffer.from(c))); // chunks are views, valid until the next push
        view.fill(0xee);
        at += len;
      }
      const last = assembler.end();
      if (last) out.push(Buffer.from(last));
      assert.deepEqual(out.map((c) => c.length), chunkBytes(data, params(seed)).map((c) => c.length));
      assert.deepEqual(Buffer.concat(out), data);
    }),
  );
});

test('boundaries away from an insertion or deletion do not move', () => {
  const RESYNC = 16 * SMALL.maxSize; // measured: 99% resynchronise within 2 max sizes, the worst of 30k within 6
  fc.assert(
    fc.property(
      seedArb,
      fc.integer(),
      fc.integer({ min: 0, max: 64 * 1024 }),
      fc.uint8Array({ minLength: 1, maxLength: 300 }),
      fc.boolean(),
      (seed, s, pos, insert, deletion) => {
        const data = bytes(160 * 1024, s);
        const edited = deletion
          ? Buffer.concat([data.subarray(0, pos), data.subarray(pos + insert.length)])
          : Buffer.concat([data.subarray(0, pos), insert, data.subarray(pos)]);
        const shift = edited.length - data.length;
        const editEnd = deletion ? pos : pos + insert.length;
        const before = cuts(data, seed);
        const after = cuts(edited, seed);
        // Every chunk that ends before the edit is unchanged...
        assert.deepEqual(after.filter((c) => c < pos), before.filter((c) => c < pos));
        // ...and from the first common boundary after it on, the chunks are the same (shifted by the edit).
        const old = new Set(before.map((c) => c + shift));
        const sync = after.find((c) => c > editEnd && old.has(c));
        assert.ok(sync !== undefined && sync - editEnd <= RESYNC, `no common boundary within ${RESYNC} bytes after the edit`);
        assert.deepEqual(after.filter((c) => c >= sync), before.map((c) => c + shift).filter((c) => c >= sync));
      },
    ),
    { numRuns: 200 },
  );
});

test('different seeds cut in different places', () => {
  fc.assert(
    fc.property(seedArb, seedArb, fc.integer(), (a, b, s) => {
      fc.pre(a !== b);
      const data = bytes(256 * 1024, s);
      assert.notDeepEqual(cuts(data, a), cuts(data, b));
    }),
    { numRuns: 30 },
  );
});

test('golden vectors: a fixed seed and input give these gear words and cuts (the chunk format of stored data)', () => {
  // Any change here re-chunks every file of every existing repository: its new chunks dedupe with nothing.
  const seed = '00112233445566778899aabbccddeeff'.repeat(2);
  assert.deepEqual([...gearTable(seed).subarray(0, 8)], [231932098, -1004172036, -81151979, 181949755, -1928588085, 344218881, 328871967, 535012491]);
  assert.deepEqual(cuts(bytes(40_000, 42), seed), [
    1118, 2439, 3927, 5051, 6079, 7456, 8566, 9636, 10930, 12284, 13507, 14612, 16068, 17128, 18007, 19101, 20861, 21900, 23131, 24404, 25724, 27317,
    28034, 29242, 30470, 30948, 32328, 33862, 35217, 36400, 37531, 38584, 38871, 39704, 40000,
  ]);
  let at = 0;
  const defaults = chunkBytes(bytes(3 * 1024 * 1024, 42), { ...DEFAULT_CHUNK_SIZES, seed }).map((c) => (at += c.length));
  assert.deepEqual(defaults, [609434, 1176237, 1724435, 1987679, 3145728]);
});

test('different seeds give different gear tables; a malformed seed is refused', () => {
  assert.notDeepEqual(gearTable('ab'.repeat(32)), gearTable('cd'.repeat(32)));
  assert.throws(() => gearTable('xyz'), /seed/);
});

test('sizes are checked', () => {
  const seed = 'ab'.repeat(16);
  assert.doesNotThrow(() => checkChunkerParams({ ...DEFAULT_CHUNK_SIZES, seed }));
  assert.throws(() => checkChunkerParams({ minSize: 4096, avgSize: 1024, maxSize: 8192, seed }), /minSize ≤ avgSize/);
  assert.throws(() => checkChunkerParams({ minSize: 512, avgSize: 1000, maxSize: 8192, seed }), /power of two/);
  assert.throws(() => checkChunkerParams({ minSize: 1, avgSize: 1024, maxSize: 8192, seed }), /minSize/);
  assert.throws(() => checkChunkerParams({ ...SMALL, normalization: 4, seed }), /normalization/);
  const data = bytes(256 * 1024, 3);
  const cutsAt = (normalization?: number) => chunkBytes(data, { ...SMALL, seed, ...(normalization === undefined ? {} : { normalization }) }).map((c) => c.length);
  assert.deepEqual(cutsAt(), cutsAt(2), 'a config without a level uses level 2');
  assert.notDeepEqual(cutsAt(1), cutsAt(2));
});

test('the default sizes give chunks of about 600 KiB, and equal min and max give fixed-size chunks', () => {
  const seed = randomBytes(32).toString('hex');
  const data = bytes(64 * 1024 * 1024, 7);
  const sizes = chunkBytes(data, { ...DEFAULT_CHUNK_SIZES, seed }).map((c) => c.length);
  const mean = data.length / sizes.length;
  assert.ok(mean > 0.5 * 1024 * 1024 && mean < 0.75 * 1024 * 1024, `mean chunk ${mean}`);
  const fixed = chunkBytes(bytes(10_000, 1), { minSize: 1024, avgSize: 1024, maxSize: 1024, seed }).map((c) => c.length);
  assert.deepEqual(fixed, [...Array(9).fill(1024), 784]);
});
